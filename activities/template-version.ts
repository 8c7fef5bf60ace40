/**
 * `currentTemplateVersion`: which version of a tenant template a subscription's run renders. A
 * subscription (or the configuration it follows) names a template without a version, so each run
 * takes the version current when it runs; the run then records it like a run by `template_id` does.
 * Read-only, so idempotent.
 */
import { datasetNamed } from '../src/catalog/datasets.js';
import type { ActivityDeps } from './deps.js';

export interface TemplateVersionInput {
  tenantId: string;
  templateId: string;
}

/**
 * The current version and the period parameters of its dataset (a template's dataset may change with
 * a version, and with it the names a run's period goes under).
 */
export interface TemplateVersion {
  /** Absent when the template is unknown to the tenant or deleted: the run then fails TEMPLATE_NOT_FOUND. */
  version?: number;
  periodParameters?: { from: string; to: string };
}

/** @throws database faults as plain errors (retried by the workflow's policy). */
export function templateVersionActivity(deps: Pick<ActivityDeps, 'catalog' | 'templates'>) {
  return async function currentTemplateVersion(input: TemplateVersionInput): Promise<TemplateVersion> {
    const template = await deps.templates?.get(input.tenantId, input.templateId);
    if (!template) return {};
    const period = datasetNamed(deps.catalog, template.spec.dataset)?.period;
    return { version: template.version, ...(period ? { periodParameters: { from: period.from_parameter, to: period.to_parameter } } : {}) };
  };
}
