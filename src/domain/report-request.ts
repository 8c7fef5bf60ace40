/**
 * The shape of a report run as it travels through the API, the workflow and the activities.
 * Sandbox-safe: plain types only, no I/O. Field names are camelCase here; the HTTP API maps them
 * to and from snake_case.
 */

/** Output formats a report definition may allow. `HTML` is the PDF's source page, handy for previews. */
export const OUTPUT_FORMATS = ['PDF', 'HTML', 'CSV', 'XML'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Languages for labels, number and date formatting. `no` is Norwegian Bokmål (formatted as `nb-NO`). */
export const LANGUAGES = ['en', 'no'] as const;
export type Language = (typeof LANGUAGES)[number];

/** One typed parameter as the client sent it; validated against the report definition's JSON Schema. */
export interface ParameterValue {
  name: string;
  value: unknown;
}

/** Where the finished file goes. Only `LOCAL` exists so far: a directory on the worker's filesystem. */
export interface ExportLocation {
  variant: 'LOCAL';
}

/** Who to tell when the run ends. `webhookUrl`: an http(s) URL that receives a JSON POST. */
export interface NotifySettings {
  webhookUrl?: string;
}

/**
 * A request to generate one report: the workflow's input.
 * `id` is also the Temporal workflow id. `timezone` is an IANA name applied to every date printed
 * and to period boundaries. `requestedAt` is an ISO-8601 instant with offset, set by the API.
 */
export interface ReportRequest {
  id: string;
  tenantId: string;
  reportCode: string;
  parameterValues: ParameterValue[];
  format: OutputFormat;
  language: Language;
  timezone: string;
  customerId?: string;
  exportLocation?: ExportLocation;
  notify?: NotifySettings;
  requestedAt: string;
  /**
   * An explicit period (set by subscriptions from the run's nominal time). It wins over the
   * definition's period parameters, which are filled from its `fromDate`/`toDate`, and its exact
   * instants bound the query; it also puts the period into the file name.
   */
  period?: ReportPeriod;
}

/**
 * A half-open report period `[from, to)` as ISO-8601 instants with offset, computed in the request's
 * time zone. `fromDate`/`toDate` are the inclusive calendar dates the client asked for (YYYY-MM-DD).
 */
export interface ReportPeriod {
  from: string;
  to: string;
  fromDate: string;
  toDate: string;
}

/**
 * A request after validation: parameters typed and defaulted, period resolved.
 * `parameters` maps parameter name to its typed value (string, number, boolean or null).
 */
export interface ValidatedRequest {
  request: ReportRequest;
  parameters: Record<string, string | number | boolean | null>;
  period?: ReportPeriod;
}
