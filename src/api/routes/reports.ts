/**
 * `GET /v1/reports/{id}/download`: streams a finished report file. The report id is its request's id.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { ReportError } from '../../domain/errors.js';
import type { Destination } from '../../destinations/destination.js';
import type { ApiDeps } from '../deps.js';
import { RUN_ID_PATTERN } from '../request-id.js';
import { runNotFound } from './report-requests.js';

export function reportRoutes(deps: Pick<ApiDeps, 'runs' | 'destination'>): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { id: string } }>('/reports/:id/download', async (req, reply) => {
      const { id } = req.params;
      const view = RUN_ID_PATTERN.test(id) ? await deps.runs.get(req.tenantId, id) : undefined;
      if (!view) throw runNotFound(id);
      if (view.status === 'CANCELLED') throw new ReportError('RUN_CANCELLED', 'The run was cancelled; it has no report.');
      if (view.status !== 'SUCCEEDED' || !view.report) {
        const why = view.status === 'FAILED' ? `The run failed (${view.error?.code ?? 'INTERNAL'}); it has no report.` : `The report is not ready yet (status ${view.status}); try again later.`;
        throw new ReportError('REPORT_NOT_READY', why);
      }
      const report = view.report;
      const stream = await openFile(deps.destination, report.uri);
      return reply
        .header('content-type', report.contentType)
        .header('content-length', String(report.sizeBytes))
        .header('content-disposition', `attachment; filename="${report.fileName.replace(/["\\\r\n]/g, '_')}"`)
        .header('x-checksum-sha256', report.sha256)
        .send(stream);
    });
  };
}

/**
 * Opens `uri` and waits until it is readable, so a missing file is a clean 404 rather than a
 * response that breaks after its headers were sent.
 */
async function openFile(destination: Destination, uri: string): Promise<Readable> {
  let stream: Readable;
  try {
    stream = destination.open(uri);
  } catch (err) {
    throw goneOr(err);
  }
  // File streams open asynchronously (`pending` until then); other streams are taken as they come.
  if ((stream as { pending?: boolean }).pending) {
    try {
      await once(stream, 'ready');
    } catch (err) {
      stream.destroy();
      throw goneOr(err);
    }
  }
  return stream;
}

function goneOr(err: unknown): unknown {
  if ((err as { code?: unknown }).code === 'ENOENT') {
    return new ReportError('NOT_FOUND', 'The report file is no longer available.', [{ field: 'id', code: 'NOT_FOUND', message: 'File missing.' }]);
  }
  return err;
}
