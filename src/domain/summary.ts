/**
 * The readable one-line summary shown for each run in the Temporal Web UI (`staticSummary`), e.g.
 * `INVOICE invoice_id=536365 · PDF en Europe/London`. Sandbox-safe.
 */
import type { ReportRequest } from './report-request.js';

/** Builds the summary; parameter values longer than 40 characters are shortened with an ellipsis. */
export function runSummary(request: Pick<ReportRequest, 'reportCode' | 'parameterValues' | 'format' | 'language' | 'timezone' | 'customerId'>): string {
  const params = request.parameterValues
    .map((p) => `${p.name}=${shorten(String(p.value))}`)
    .join(' ');
  const customer = request.customerId ? ` · customer ${request.customerId}` : '';
  return `${request.reportCode}${params ? ' ' + params : ''} · ${request.format} ${request.language} ${request.timezone}${customer}`;
}

function shorten(value: string): string {
  return value.length > 40 ? value.slice(0, 39) + '…' : value;
}
