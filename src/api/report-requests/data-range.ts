/**
 * Dintero's way of giving a period: `data_from`/`data_to`, ISO-8601 instants with offset, half-open
 * `[data_from, data_to)`, instead of the report's period parameters. Each must be midnight in the
 * request's time zone; they become the period parameters (`data_to` minus one day is the last day),
 * so validation, the record and the run see an ordinary request.
 */
import type { ReportDefinition } from '../../catalog/report-definition.js';
import { ReportError } from '../../domain/errors.js';
import { datesOfInstants, isValidTimeZone } from '../../domain/period.js';
import type { ReportRequest } from '../../domain/report-request.js';
import type { CreateRequestBody } from './wire.js';

/**
 * Replaces `data_from`/`data_to` of `body` by the period parameters of `def` on `request` (whose
 * `timezone` is already resolved). Nothing happens when neither is given, or when the report code or
 * the zone is unknown (validation then names those).
 * @throws ReportError('PERIOD_INVALID') on `data_from`/`data_to` when only one is given, the report
 *   has no period, a period parameter is given too, an instant is not midnight in the zone, or
 *   `data_to` is not after `data_from`.
 */
export function applyDataRange(body: Pick<CreateRequestBody, 'data_from' | 'data_to'>, def: ReportDefinition | undefined, request: ReportRequest): void {
  const { data_from: from, data_to: to } = body;
  if (from === undefined && to === undefined) return;
  if (from === undefined || to === undefined) throw invalid(from === undefined ? 'data_from' : 'data_to', 'Give both data_from and data_to, or neither.');
  if (!def || !isValidTimeZone(request.timezone)) return;
  if (!def.period) throw invalid('data_from', `Report ${def.code} has no period; data_from/data_to do not apply.`);
  const { from_parameter: fromName, to_parameter: toName } = def.period;
  const clash = request.parameterValues.find((p) => p.name === fromName || p.name === toName);
  if (clash) throw invalid(`parameter_values.${clash.name}`, `Give the period either as data_from/data_to or as ${fromName}/${toName}, not both.`);
  let dates;
  try {
    dates = datesOfInstants(from, to, request.timezone);
  } catch (err) {
    const message = (err as Error).message;
    throw invalid(message.startsWith('data_to') ? 'data_to' : 'data_from', `${message}.`);
  }
  request.parameterValues = [...request.parameterValues, { name: fromName, value: dates.fromDate }, { name: toName, value: dates.toDate }];
}

function invalid(field: string, message: string): ReportError {
  return new ReportError('PERIOD_INVALID', message, [{ field, code: 'PERIOD_INVALID', message }]);
}
