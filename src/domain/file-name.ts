/**
 * Deterministic report file names: the same request always yields the same name, so a retried
 * export replaces rather than duplicates. Sandbox-safe.
 *
 * Shape: `<REPORT_CODE>[_<key parameters>][_<fromDate>_<toDate>]_<request id>.<ext>`, e.g.
 * `INVOICE_536365_0193….pdf`, `INVOICE_LINES_2011-01-01_2011-01-31_0193….csv`. Characters outside
 * `[A-Za-z0-9._-]` become `-`.
 */
import type { ValidatedRequest } from './report-request.js';

/** Parameters that identify a document and so belong in its name (`as_of`: AR_AGING's date). */
const KEY_PARAMETERS = ['invoice_id', 'customer_id', 'as_of'];

export function reportFileName(validated: ValidatedRequest, extension: string): string {
  const parts: string[] = [validated.request.reportCode];
  for (const key of KEY_PARAMETERS) {
    const v = validated.parameters[key];
    if (v !== undefined && v !== null && v !== '') parts.push(String(v));
  }
  if (validated.period) parts.push(validated.period.fromDate, validated.period.toDate);
  parts.push(validated.request.id);
  return `${parts.map(clean).join('_')}.${clean(extension)}`;
}

function clean(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^\.+/, '');
}
