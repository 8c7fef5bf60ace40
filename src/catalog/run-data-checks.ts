/**
 * Runs a report definition's data checks (e.g. "the invoice exists") against the database.
 */
import { ReportError } from '../domain/errors.js';
import type { ValidatedRequest } from '../domain/report-request.js';
import type { Database } from '../data/database.js';
import { bindNamedParameters, queryParameters } from '../data/sql-binding.js';
import type { ReportDefinition } from './report-definition.js';

/**
 * @throws ReportError with the check's `error_code` on `parameter_values.<parameter>` when a check's
 *   query returns no row. Database faults propagate unchanged (they are transient, not bad input).
 */
export async function runDataChecks(db: Database, def: ReportDefinition, validated: ValidatedRequest): Promise<void> {
  const checks = def.checks ?? [];
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i]!;
    const { text, values } = bindNamedParameters(def.checkSql[i]!, queryParameters(validated, Object.keys(def.parameters.properties)));
    const rows = await db.query(text, values);
    if (rows.length === 0) {
      const value = String(validated.parameters[check.parameter] ?? '');
      const message = check.message.replace('{value}', value);
      throw new ReportError(check.error_code, message, [
        { field: `parameter_values.${check.parameter}`, code: check.error_code, message },
      ]);
    }
  }
}
