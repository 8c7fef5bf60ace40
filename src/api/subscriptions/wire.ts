/**
 * Subscriptions on the wire (snake_case) and back to the domain.
 */
import type { ReportPeriod } from '../../domain/report-request.js';
import type { ReportTemplate } from '../../domain/subscription-run.js';
import { scheduleSummary, type DayOfWeek, type Frequency, type SubscriptionSchedule } from '../../domain/subscription-schedule.js';
import type { ReportConfiguration } from '../../configurations/report-configuration.js';
import { ReportError } from '../../domain/errors.js';
import type { Subscription } from '../../subscriptions/subscription.js';
import type { SubscriptionView } from '../../subscriptions/subscription-service.js';
import { mergePreset } from '../configurations/wire.js';
import { exportLocationToBody } from '../export-location-wire.js';
import type { TemplateRun } from '../report-requests/template-runs.js';
import { toReportRequest, type CreateRequestBody } from '../report-requests/wire.js';

export interface ScheduleBody {
  frequency: Frequency;
  time_of_day?: string;
  day_of_week?: DayOfWeek;
  day_of_month?: number | 'LAST';
  cron?: string;
}

/** The report fields of a subscription body: a request's, `report_code` optional beside `report_configuration_id` or `template_id`. */
export type SubscriptionReportBody = Omit<CreateRequestBody, 'report_code'> & { report_code?: string };

export interface SubscriptionBody extends SubscriptionReportBody {
  schedule: ScheduleBody;
  name?: string;
  active?: boolean;
  report_configuration_id?: string;
}

/** What every subscription's report must name, by itself or through its configuration. */
const REQUIRED_REPORT_FIELDS = ['report_code', 'format', 'timezone'] as const;

/** Resolves a body's `template_id` for its tenant (`resolveTemplateRun` of src/api/report-requests/template-runs.ts). */
export type TemplateResolver = (body: CreateRequestBody) => Promise<TemplateRun>;

/**
 * The report template of a body.
 * @throws ReportError('REQUEST_INVALID') naming the first of `report_code`, `format`, `timezone` it lacks
 *   (a subscription always names its zone); else like `toReportRequest` (format, export location).
 */
export function toTemplate(body: SubscriptionReportBody, lacking = 'Required unless `report_configuration_id` or `template_id` is given.'): ReportTemplate {
  const missing = REQUIRED_REPORT_FIELDS.find((f) => body[f] === undefined);
  if (missing) throw new ReportError('REQUEST_INVALID', `\`${missing}\` is required.`, [{ field: missing, code: 'REQUEST_INVALID', message: lacking }]);
  const { id: _id, tenantId: _t, requestedAt: _r, ...template } = toReportRequest(body as CreateRequestBody, { id: 'template', tenantId: 'template', requestedAt: new Date(0).toISOString() });
  return template;
}

/**
 * The report template of a body that may name a tenant template (`template_id`): its report code is
 * then the template's run code and its format the template's unless given. It carries `templateId`
 * without a version: each scheduled run renders the version current when it runs (and records it).
 * @throws ReportError like `toTemplate`; as `resolve` (TEMPLATE_NOT_FOUND 404, both `report_code` and `template_id` 400).
 */
export async function reportTemplate(body: SubscriptionReportBody, resolve: TemplateResolver, lacking?: string): Promise<ReportTemplate> {
  const run = await resolve(body as CreateRequestBody);
  return { ...toTemplate(run.body, lacking), ...(run.template ? { templateId: run.template.id } : {}) };
}

/**
 * The template of a subscription that follows `configuration`: its preset with `overrides` in place of
 * its fields of the same name (the rule of src/api/configurations/wire.ts), carrying the configuration's
 * id and version, which each run records.
 * @throws ReportError like `reportTemplate`, when neither the preset nor `overrides` has a required field.
 */
export async function configuredTemplate(configuration: ReportConfiguration, overrides: object, resolve: TemplateResolver): Promise<ReportTemplate> {
  const body = mergePreset(configuration.preset, overrides) as SubscriptionReportBody;
  return {
    ...(await reportTemplate(body, resolve, 'Neither the subscription nor its report configuration gives it.')),
    reportConfigurationId: configuration.id,
    reportConfigurationVersion: configuration.version,
  };
}

export function toSchedule(body: ScheduleBody): SubscriptionSchedule {
  const s: SubscriptionSchedule = { frequency: body.frequency, timeOfDay: body.time_of_day ?? '00:00' };
  if (body.day_of_week !== undefined) s.dayOfWeek = body.day_of_week;
  if (body.day_of_month !== undefined) s.dayOfMonth = body.day_of_month;
  if (body.cron !== undefined) s.cron = body.cron;
  return s;
}

/** A report body back from a template (the fields a PATCH merges into); a tenant template's names its `template_id`. */
export function templateToBody(t: ReportTemplate): SubscriptionReportBody {
  const body: SubscriptionReportBody = {
    ...(t.templateId ? { template_id: t.templateId } : { report_code: t.reportCode }),
    parameter_values: t.parameterValues.map((p) => ({ name: p.name, value: p.value as string | number | boolean | null })),
    format: t.format,
    language: t.language,
    timezone: t.timezone,
  };
  if (t.customerId) body.customer_id = t.customerId;
  if (t.notify?.webhookUrl || t.notify?.emails?.length) {
    body.notify = { ...(t.notify.webhookUrl ? { webhook_url: t.notify.webhookUrl } : {}), ...(t.notify.emails?.length ? { emails: t.notify.emails } : {}) };
  }
  if (t.exportLocations?.length) body.export_location = t.exportLocations.map(exportLocationToBody);
  if (t.filters) body.filters = t.filters;
  if (t.metadata) body.metadata = t.metadata;
  return body;
}

function periodToWire(p: ReportPeriod) {
  return { from: p.from, to: p.to, from_date: p.fromDate, to_date: p.toDate };
}

/** The list view: the row without live schedule state, with its notify and export settings (no credentials: integrations are named by id). */
export function subscriptionToWire(s: Subscription, baseUrl: string) {
  return {
    id: s.id,
    name: s.name ?? null,
    report_code: s.template.reportCode,
    template_id: s.template.templateId ?? null,
    parameter_values: s.template.parameterValues,
    format: s.template.format,
    language: s.template.language,
    timezone: s.timezone,
    customer_id: s.template.customerId ?? null,
    filters: s.template.filters ?? {},
    metadata: s.template.metadata ?? {},
    report_configuration_id: s.configuration?.id ?? null,
    report_configuration_version: s.configuration ? (s.template.reportConfigurationVersion ?? null) : null,
    notify: { webhook_url: s.template.notify?.webhookUrl ?? null, emails: s.template.notify?.emails ?? [] },
    // Every run keeps its LOCAL copy; the others are delivered besides it.
    export_location: [{ variant: 'LOCAL' as const }, ...(s.template.exportLocations ?? []).map(exportLocationToBody)],
    schedule: {
      frequency: s.schedule.frequency,
      time_of_day: s.schedule.timeOfDay,
      ...(s.schedule.dayOfWeek ? { day_of_week: s.schedule.dayOfWeek } : {}),
      ...(s.schedule.dayOfMonth !== undefined ? { day_of_month: s.schedule.dayOfMonth } : {}),
      ...(s.schedule.cron ? { cron: s.schedule.cron } : {}),
    },
    summary: scheduleSummary(s.schedule, s.timezone),
    active: s.active,
    paused_reason: s.pausedReason ?? null,
    consecutive_failures: s.consecutiveFailures,
    schedule_id: `subscription-${s.id}`,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    links: { self: `${baseUrl}/v1/report-subscriptions/${s.id}` },
  };
}

/**
 * The detail view: next run times, last runs (with links to their report runs) and missed periods —
 * each the period, its scheduled time (`nominal_time`, UTC) and why (`NOT_STARTED`: no run began, the
 * server was down past the catch-up window or the run still waits for a worker; `STARTED_TOO_LATE`:
 * its run began after the window and did nothing).
 */
export function subscriptionViewToWire(v: SubscriptionView, baseUrl: string) {
  const state = v.scheduleState;
  return {
    ...subscriptionToWire(v, baseUrl),
    schedule_unavailable: v.scheduleUnavailable,
    schedule_paused: state?.paused ?? null,
    schedule_note: state?.note ?? null,
    next_run_times: v.nextRunTimes.map((t) => t.toISOString()),
    last_runs: (state?.recentRuns ?? []).map((r) => ({ nominal_time: r.nominalTime.toISOString(), started_at: r.startedAt.toISOString(), workflow_id: r.workflowId })),
    missed_runs_outside_catchup: state?.missedCatchupWindow ?? 0,
    missed_periods: v.missedPeriods.map((m) => ({ ...periodToWire(m.period), nominal_time: new Date(m.nominalTime).toISOString(), reason: m.reason })),
  };
}

export { periodToWire };
