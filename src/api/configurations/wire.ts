/**
 * Report configurations on the wire, and the one merge rule they follow: a body's top-level fields
 * replace the preset's fields of the same name, whole. `parameter_values`, `filters`, `notify`,
 * `export_location` and `metadata` are fields like any other: the ones given replace the saved ones
 * entirely (nothing is merged inside them); fields left out keep the saved values. `report_code` and
 * `template_id` are one choice (what runs): giving either replaces the saved one of the pair. A run
 * (`report_configuration_id`), a change (`PATCH`) and a following subscription all follow it.
 */
import type { ReportConfiguration, StoredPreset } from '../../configurations/report-configuration.js';
import type { ReportConfigurationStore } from '../../configurations/report-configuration-store.js';
import { ReportError } from '../../domain/errors.js';
import { databaseFault } from '../../data/database-fault.js';
import type { CreateRequestBody } from '../report-requests/wire.js';

/** The preset fields a configuration holds: those of a request, but not the run's time or the `invoice_id` shorthand. */
export type PresetBody = Omit<CreateRequestBody, 'generate_at' | 'data_from' | 'data_to' | 'invoice_id' | 'report_code'> & { report_code?: string };

/** `POST /v1/report-configurations` body (after schema validation). */
export type ConfigurationBody = PresetBody & { name: string };

/** `POST /v1/report-generate-requests` body: a request, or a run of a configuration with fields in its place. */
export type GenerateRequestBody = Omit<CreateRequestBody, 'report_code'> & { report_code?: string; report_configuration_id?: string };

/** The fields that say what a preset runs, a report definition or a tenant template: exactly one is given. */
const REPORT_CHOICE = ['report_code', 'template_id'] as const;

/**
 * `preset` with `fields` in place of its fields of the same name (undefined fields are left out);
 * `fields` naming `report_code` or `template_id` replaces the preset's choice of the two.
 */
export function mergePreset<T extends object>(preset: object, fields: T): StoredPreset & T {
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const base: Record<string, unknown> = { ...preset };
  if (REPORT_CHOICE.some((f) => f in given)) for (const f of REPORT_CHOICE) delete base[f];
  return { ...base, ...given } as StoredPreset & T;
}

/**
 * Checks that a configuration's preset names what it runs: `report_code` (then also `format`) or
 * `template_id` (whose format is the template's unless given), exactly one of the two.
 * @throws ReportError('REQUEST_INVALID') naming `template_id` when both are given, `report_code` when
 *   neither is, `format` when a report code comes without one.
 */
export function checkPresetChoice(preset: PresetBody): void {
  const refuse = (field: string, message: string) => new ReportError('REQUEST_INVALID', message, [{ field, code: 'REQUEST_INVALID', message }]);
  if (preset.report_code !== undefined && preset.template_id !== undefined) throw refuse('template_id', 'Give `report_code` or `template_id`, not both.');
  if (preset.report_code === undefined && preset.template_id === undefined) throw refuse('report_code', 'Give `report_code` or `template_id`.');
  if (preset.report_code !== undefined && preset.format === undefined) throw refuse('format', '`format` is required with `report_code`.');
}

/** The preset as stored: one export location is kept as a list of one, so every view shows a list. */
export function presetToStore(body: PresetBody): StoredPreset {
  const { export_location: location, ...rest } = body;
  return { ...rest, ...(location === undefined ? {} : { export_location: Array.isArray(location) ? location : [location] }) };
}

/**
 * The request body a generate request stands for: the body itself, or, with
 * `report_configuration_id`, the configuration's preset with the body's fields in place of its own.
 * @returns the body and the configuration it came from (whose id and version the run records).
 * @throws ReportError('REQUEST_INVALID') on `report_code` when neither it nor `report_configuration_id` is given.
 * @throws ReportError('REPORT_CONFIGURATION_NOT_FOUND') (404) on `report_configuration_id` when the
 *   tenant has no such configuration (or it was deleted), or configurations are not served.
 * @throws the database fault (503) when the configuration cannot be read.
 */
export async function resolveGenerateBody(
  store: ReportConfigurationStore | undefined,
  tenantId: string,
  body: GenerateRequestBody,
): Promise<{ body: CreateRequestBody; configuration?: ReportConfiguration }> {
  const { report_configuration_id: configurationId, ...fields } = body;
  if (configurationId === undefined) {
    if (fields.report_code === undefined && fields.template_id === undefined) {
      throw new ReportError('REQUEST_INVALID', '`report_code` is required unless `report_configuration_id` or `template_id` is given.', [
        { field: 'report_code', code: 'REQUEST_INVALID', message: 'Required without report_configuration_id or template_id.' },
      ]);
    }
    return { body: fields as CreateRequestBody };
  }
  const configuration = await findConfiguration(store, tenantId, configurationId);
  return { body: mergePreset(configuration.preset, fields) as unknown as CreateRequestBody, configuration };
}

/**
 * The tenant's configuration `configurationId`, as a request or subscription names it.
 * @throws ReportError('REPORT_CONFIGURATION_NOT_FOUND') (404) on `report_configuration_id` when the
 *   tenant has no such configuration (or it was deleted), or configurations are not served.
 * @throws the database fault (503) when it cannot be read.
 */
export async function findConfiguration(store: ReportConfigurationStore | undefined, tenantId: string, configurationId: string): Promise<ReportConfiguration> {
  let configuration;
  try {
    configuration = await store?.get(tenantId, configurationId);
  } catch (err) {
    throw databaseFault(err);
  }
  if (!configuration) {
    throw new ReportError('REPORT_CONFIGURATION_NOT_FOUND', `No report configuration ${configurationId}.`, [
      { field: 'report_configuration_id', code: 'REPORT_CONFIGURATION_NOT_FOUND', message: 'Unknown, or deleted.' },
    ]);
  }
  return configuration;
}

/**
 * The wire view of a configuration (see `CONFIGURATION_VIEW`). A template's configuration shows its
 * `template_id` (from the preset) and `report_code` as its runs record it (`TEMPLATE_<id>`).
 */
export function configurationToWire(c: ReportConfiguration, baseUrl: string) {
  return {
    ...c.preset,
    id: c.id,
    name: c.name,
    version: c.version,
    report_code: c.reportCode,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    links: { self: `${baseUrl}/v1/report-configurations/${encodeURIComponent(c.id)}` },
  };
}
