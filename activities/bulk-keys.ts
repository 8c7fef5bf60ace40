/**
 * The keys of a bulk run, a page at a time, from its report definition's keys query (`bulk.keys_query`):
 * keyset paging in text order, so a page's keys and the next page's start are the same on every
 * retry, and the workflow holds no more than a page in its history.
 */
import { bindNamedParameters } from '../src/data/sql-binding.js';
import { ReportError } from '../src/domain/errors.js';
import type { BulkRequest } from '../src/domain/bulk-request.js';
import type { ActivityDeps } from './deps.js';
import { definitionFor } from './definition-for.js';

export interface BulkKeysInput {
  request: BulkRequest;
  /** Keys after this one (text order); absent for the first page. */
  after?: string;
  /** Page size, in keys. */
  limit: number;
  /** Also count every key (the first page's call). */
  count?: boolean;
}

export interface BulkKeysPage {
  /** Up to `limit` keys in text order, each non-empty. */
  keys: string[];
  /** Every key the query returns, when `count` was asked. */
  total?: number;
}

/**
 * @throws ReportError('REPORT_CODE_UNKNOWN') when the report or its `bulk` is gone from this worker's catalog;
 *   the database's error (retried by the workflow) otherwise.
 */
export function bulkKeysActivity(deps: Pick<ActivityDeps, 'catalog' | 'db'>) {
  return async function bulkKeys(input: BulkKeysInput): Promise<BulkKeysPage> {
    const { request } = input;
    const def = definitionFor(deps.catalog, request.template.reportCode);
    if (!def.bulk || !def.bulkKeysSql) {
      throw new ReportError('REPORT_CODE_UNKNOWN', `Report ${def.code} has no bulk run on this worker.`, [{ field: 'report_code', code: 'REPORT_CODE_UNKNOWN', message: 'No bulk keys query.' }]);
    }
    // Every declared parameter is bound (absent ones as NULL), and the period's instants.
    const params: Record<string, unknown> = {
      ...Object.fromEntries(Object.keys(def.bulk.parameters.properties).map((name) => [name, request.keyParameters[name] ?? null])),
      period_from: request.period?.from ?? null,
      period_to: request.period?.to ?? null,
      bulk_after: input.after ?? null,
      bulk_limit: input.limit,
    };
    const keysSql = def.bulkKeysSql.trim().replace(/;\s*$/, '');
    const page = bindNamedParameters(
      `SELECT k.key::text AS key FROM (${keysSql}) k WHERE k.key IS NOT NULL AND k.key::text <> '' AND (:bulk_after::text IS NULL OR k.key::text COLLATE "C" > :bulk_after::text) ORDER BY k.key::text COLLATE "C" LIMIT :bulk_limit::int`,
      params,
    );
    const rows = await deps.db.query<{ key: string }>(page.text, page.values);
    const result: BulkKeysPage = { keys: rows.map((r) => r.key) };
    if (input.count) {
      const count = bindNamedParameters(`SELECT count(*)::int AS n FROM (${keysSql}) k WHERE k.key IS NOT NULL AND k.key::text <> ''`, params);
      const [row] = await deps.db.query<{ n: number }>(count.text, count.values);
      result.total = Number(row?.n ?? 0);
    }
    return result;
  };
}
