/**
 * The validate activity: the same catalog validation the API runs, plus the definition's data checks
 * (e.g. "the invoice exists"), which need the database.
 */
import { validateRequest as validateAgainstCatalog } from '../src/catalog/validate-request.js';
import { runDataChecks } from '../src/catalog/run-data-checks.js';
import type { ReportRequest, ValidatedRequest } from '../src/domain/report-request.js';
import type { ActivityDeps } from './deps.js';
import { definitionOf } from './definition-for.js';

/**
 * @returns the request with typed, defaulted parameters, its resolved period, and `runMode: 'inline'`
 *   when the definition runs its stages as local activities.
 * @throws ReportError (→ non-retryable failure) on bad input or a failed data check; database faults
 *   propagate as plain errors and are retried.
 */
export function validateActivity(deps: Pick<ActivityDeps, 'catalog' | 'db' | 'templates'>) {
  return async function validateRequest(request: ReportRequest): Promise<ValidatedRequest> {
    const catalog = request.templateId === undefined ? deps.catalog : new Map([[request.reportCode, await definitionOf(deps, request)]]);
    const validated = validateAgainstCatalog(catalog, request);
    // validateAgainstCatalog already proved the code exists.
    const definition = catalog.get(request.reportCode)!;
    await runDataChecks(deps.db, definition, validated);
    return definition.run_mode === 'inline' ? { ...validated, runMode: 'inline' } : validated;
  };
}
