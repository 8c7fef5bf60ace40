/**
 * Reports (the files runs produced; a report's id is its request's id): read, list, search, delete
 * (the file goes, a tombstone record stays), download with credentials, and signed download URLs
 * that work without credentials until they expire (src/downloads/signed-url.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { ReportError } from '../../domain/errors.js';
import type { ReportRecord, RequestRecord } from '../../records/records.js';
import { baseUrlOf, type ApiDeps } from '../deps.js';
import { databaseFault } from '../../data/database-fault.js';
import { errorResponses, NOT_FOUND_BY_ID, VALIDATION_400 } from '../error-responses.js';
import { ID_PARAMS } from '../shared-schemas.js';
import { pageToWire } from '../page-wire.js';
import { DOWNLOAD_URL_RESPONSE, FILE_RESPONSE, REPORT_LIST_QUERY, REPORT_PAGE, REPORT_SEARCH_BODY, REPORT_VIEW, SIGNED_FILE_QUERY } from './schemas.js';
import { reportToWire } from './wire.js';
import { sendFile } from '../send-file.js';
import { currentState, type RequestFile } from '../../requests/request-state.js';
import { RUN_ID_PATTERN } from '../../requests/request-id.js';
import { runNotFound } from '../../requests/request-errors.js';

interface ReportListQuery {
  limit: number;
  cursor?: string;
  report_code?: string;
  customer_id?: string;
  created_from?: string;
  created_to?: string;
  include_deleted?: boolean;
}

const TAGS = ['Reports'];

export function reportRoutes(deps: Pick<ApiDeps, 'runs' | 'destination' | 'records' | 'signer' | 'config'>): FastifyPluginAsync {
  return async (app) => {
    const links = { baseUrl: baseUrlOf(deps.config) };

    app.get<{ Params: { id: string } }>('/reports/:id', {
      config: { permission: 'REPORT.VIEW' },
      schema: { tags: TAGS, summary: 'One report file\'s record (also after deletion, as a tombstone)', params: ID_PARAMS, response: { 200: REPORT_VIEW, ...errorResponses({}, { 404: NOT_FOUND_BY_ID }) } },
    }, async (req) => reportToWire(await readReport(deps, req.tenantId, req.params.id), links));

    app.get<{ Querystring: ReportListQuery }>('/reports', {
      config: { permission: 'REPORT.VIEW' },
      schema: { tags: TAGS, summary: 'List reports, newest first', querystring: REPORT_LIST_QUERY, response: { 200: REPORT_PAGE, ...errorResponses({}, { 400: VALIDATION_400 }) } },
    }, async (req) => {
      const q = req.query;
      return searchReports(deps, links, req.tenantId, { ...q, report_code: q.report_code?.split(',') });
    });

    app.post<{ Body: Omit<ReportListQuery, 'report_code'> & { report_code?: string[] } }>('/reports/search', {
      config: { permission: 'REPORT.VIEW' },
      schema: { tags: TAGS, summary: 'Search reports by report code, customer and creation time', body: REPORT_SEARCH_BODY, response: { 200: REPORT_PAGE, ...errorResponses({ body: true }, { 400: VALIDATION_400 }) } },
    }, async (req) => searchReports(deps, links, req.tenantId, req.body ?? { limit: 20 }));

    app.delete<{ Params: { id: string } }>('/reports/:id', {
      config: { permission: 'REPORT.DELETE' },
      schema: { tags: TAGS, summary: 'Delete a report file; its record stays as a tombstone (repeatable)', params: ID_PARAMS, response: { 200: REPORT_VIEW, ...errorResponses({ body: true }, { 404: NOT_FOUND_BY_ID }) } },
    }, async (req) => {
      const report = await readReport(deps, req.tenantId, req.params.id);
      // Tombstone first, then the file: a failed removal is redone by repeating the DELETE, and no
      // link can serve the file once the record says it is gone.
      const deleted = await dbCall(() => deps.records.markReportDeleted(req.tenantId, report.id));
      await deps.destination.remove(report.uri);
      req.log.info({ reportId: report.id, tenantId: req.tenantId }, 'report deleted');
      return reportToWire(deleted ?? report, links);
    });

    app.get<{ Params: { id: string } }>('/reports/:id/download-url', {
      config: { permission: 'REPORT.VIEW' },
      schema: { tags: TAGS, summary: 'A signed download URL that works without credentials until expires_at', params: ID_PARAMS, response: { 200: DOWNLOAD_URL_RESPONSE, ...errorResponses({}, NOT_READY_RESPONSES) } },
    }, async (req) => {
      const { record } = await readyFile(deps, req.tenantId, req.params.id);
      // The link is checked against the report's record: until the run's activities have written it
      // (a moment after SUCCEEDED, for a subscription's run), the report is not ready for a link.
      const report = record.report;
      if (!report) throw notReady('The report is being recorded; try again in a moment.');
      const signed = deps.signer.sign(links.baseUrl, { tenantId: report.tenantId, reportId: report.id, sha256: report.sha256 }, deps.config.downloadUrlTtlSeconds);
      return { url: signed.url, expires_at: signed.expiresAt };
    });

    app.get<{ Params: { id: string } }>('/reports/:id/download', {
      config: { permission: 'REPORT.VIEW' },
      schema: { tags: TAGS, summary: 'Download the report file (with credentials)', params: ID_PARAMS, response: { 200: FILE_RESPONSE, ...errorResponses({}, NOT_READY_RESPONSES) } },
    }, async (req, reply) => {
      const { file } = await readyFile(deps, req.tenantId, req.params.id);
      return sendFile(reply, deps.destination, file);
    });

    // Credentials are the signature itself: this route is public, and answers 403 for anything that
    // does not verify (an unknown id included, so ids cannot be probed through it).
    app.get<{ Params: { id: string }; Querystring: { expires?: string; signature?: string } }>('/reports/:id/file', {
      config: { public: true },
      schema: { tags: TAGS, summary: 'Download through a signed URL (no credentials)', security: [], params: ID_PARAMS, querystring: SIGNED_FILE_QUERY, response: { 200: FILE_RESPONSE, ...errorResponses({ authenticated: false }, {
        403: 'SIGNED_URL_INVALID (the URL was changed, or the file replaced) or SIGNED_URL_EXPIRED.',
        404: 'NOT_FOUND: the report file is no longer in storage.',
        410: REPORT_DELETED_410,
        429: 'RATE_LIMITED: too many requests from this address this minute; retry after `Retry-After` seconds.',
      }) } },
    }, async (req, reply) => {
      const report = RUN_ID_PATTERN.test(req.params.id) ? await dbCall(() => deps.records.getReportById(req.params.id)) : undefined;
      const problem = report
        ? deps.signer.verify({ tenantId: report.tenantId, reportId: report.id, sha256: report.sha256 }, req.query.expires, req.query.signature)
        : 'INVALID';
      if (problem === 'EXPIRED') throw new ReportError('SIGNED_URL_EXPIRED', 'This download URL has expired; ask for a new one.');
      if (problem || !report) throw new ReportError('SIGNED_URL_INVALID', 'This download URL is not valid.');
      if (report.deletedAt) throw reportDeleted();
      return sendFile(reply, deps.destination, report);
    });
  };
}

/** The statuses of an operation on a report's file besides the common ones. */
const REPORT_DELETED_410 = 'REPORT_DELETED: the file was deleted (`DELETE /v1/reports/{id}`); its record remains.';
const NOT_READY_RESPONSES = {
  404: NOT_FOUND_BY_ID,
  409: 'REPORT_NOT_READY (the run has not succeeded: it is pending, running or failed) or RUN_CANCELLED.',
  410: REPORT_DELETED_410,
} as const;

/**
 * The file of request `id` when it can be downloaded, with the request's record.
 * @throws ReportError NOT_FOUND (404) for an id unknown to the tenant; REPORT_DELETED (410);
 *   RUN_CANCELLED (409); REPORT_NOT_READY (409) while the run is pending or running, or when it
 *   failed; UNAVAILABLE (503) when the database cannot be reached.
 */
async function readyFile(deps: Pick<ApiDeps, 'records' | 'runs'>, tenantId: string, id: string): Promise<{ record: RequestRecord; file: RequestFile }> {
  const record = RUN_ID_PATTERN.test(id) ? await dbCall(() => deps.records.getRequest(tenantId, id)) : undefined;
  if (!record) throw runNotFound(id);
  const state = await currentState(deps.runs, record);
  if (state.report?.deletedAt) throw reportDeleted();
  if (state.status === 'CANCELLED') throw new ReportError('RUN_CANCELLED', 'The run was cancelled; it has no report.');
  if (!state.report || (state.status !== 'SUCCEEDED' && !record.report)) {
    throw notReady(state.status === 'FAILED' ? `The run failed (${state.error?.code ?? 'INTERNAL'}); it has no report.` : `The report is not ready yet (status ${state.status}); try again later.`);
  }
  return { record, file: state.report };
}

function notReady(message: string): ReportError {
  return new ReportError('REPORT_NOT_READY', message);
}

async function readReport(deps: Pick<ApiDeps, 'records'>, tenantId: string, id: string): Promise<ReportRecord> {
  const report = RUN_ID_PATTERN.test(id) ? await dbCall(() => deps.records.getReport(tenantId, id)) : undefined;
  if (!report) throw new ReportError('NOT_FOUND', `No report ${id.slice(0, 200)}.`, [{ field: 'id', code: 'NOT_FOUND', message: 'Unknown id.' }]);
  return report;
}

async function searchReports(
  deps: Pick<ApiDeps, 'records'>,
  links: { baseUrl: string },
  tenantId: string,
  q: Omit<ReportListQuery, 'report_code'> & { report_code?: string[] | undefined },
) {
  const page = await dbCall(() => deps.records.searchReports({
    tenantId,
    limit: q.limit ?? 20,
    ...(q.cursor ? { cursor: q.cursor } : {}),
    ...(q.report_code?.length ? { reportCodes: q.report_code } : {}),
    ...(q.customer_id ? { customerId: q.customer_id } : {}),
    ...(q.created_from ? { createdFrom: q.created_from } : {}),
    ...(q.created_to ? { createdTo: q.created_to } : {}),
    ...(q.include_deleted ? { includeDeleted: true } : {}),
  }));
  return pageToWire(page, (r) => reportToWire(r, links));
}

async function dbCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw databaseFault(err);
  }
}

function reportDeleted(): ReportError {
  return new ReportError('REPORT_DELETED', 'The report file was deleted.', [{ field: 'id', code: 'REPORT_DELETED', message: 'Deleted.' }]);
}
