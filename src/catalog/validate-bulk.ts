/**
 * Validates a bulk request (`POST /v1/report-bulk-requests`) against its report definition's `bulk`:
 * format, language, zone and filters as for one run of the report, and the parameters against the
 * keys query's (`bulk.parameters`, with its period), by the same rules and codes as `validateRequest`.
 */
import { ReportError } from '../domain/errors.js';
import type { ReportPeriod, ReportRequest } from '../domain/report-request.js';
import type { Catalog } from './load-catalog.js';
import type { ReportDefinition } from './report-definition.js';
import { validateRequest } from './validate-request.js';

/** What a valid bulk request resolves to. */
export interface ValidatedBulk {
  /** The report parameter each key fills. */
  keyParameter: string;
  /** The keys query's parameters, typed and defaulted. */
  keyParameters: Record<string, string | number | boolean | null>;
  period?: ReportPeriod;
}

/** Each definition seen as its keys query (parameters and period of `bulk`), kept so its schema compiles once. */
const keysViews = new WeakMap<ReportDefinition, ReportDefinition>();

/**
 * @param request the bulk request as a report request whose `parameterValues` are the keys query's.
 * @throws ReportError REPORT_CODE_UNKNOWN, BULK_UNSUPPORTED (the report has no bulk run, on `report_code`),
 *   and the codes of `validateRequest` (FORMAT_UNSUPPORTED, PARAMETER_MISSING, PERIOD_INVALID, FILTER_INVALID …).
 */
export function validateBulkRequest(catalog: Catalog, request: ReportRequest): ValidatedBulk {
  const def = catalog.get(request.reportCode);
  if (!def) return never(validateRequest(catalog, request));
  const bulk = def.bulk;
  if (!bulk) {
    const bulkCodes = [...catalog.values()].filter((d) => d.bulk).map((d) => d.code);
    throw new ReportError('BULK_UNSUPPORTED', `Report ${def.code} has no bulk run.`, [
      { field: 'report_code', code: 'BULK_UNSUPPORTED', message: bulkCodes.length ? `Reports with bulk runs: ${bulkCodes.join(', ')}.` : 'No report has bulk runs.' },
    ]);
  }
  let view = keysViews.get(def);
  if (!view) {
    const { period: _period, ...rest } = def;
    view = { ...rest, parameters: bulk.parameters, ...(bulk.period ? { period: bulk.period } : {}) };
    keysViews.set(def, view);
  }
  const validated = validateRequest(new Map([[def.code, view]]), request);
  return { keyParameter: bulk.key_parameter, keyParameters: validated.parameters, ...(validated.period ? { period: validated.period } : {}) };
}

/** `validateRequest` throws for an unknown code; this keeps the type checker aware of it. */
function never(_: unknown): never {
  throw new Error('unreachable: an unknown report code was not refused');
}
