/**
 * The object every Handlebars template renders against. Values are the staged (JSON-native) forms:
 * instants as ISO-8601 strings, decimals as strings; templates format them with the helpers, which
 * read `request.language` and `request.timezone` from the root.
 */
import type { Language, OutputFormat, ReportPeriod, ValidatedRequest } from '../domain/report-request.js';
import { titleIn, type ReportDefinition } from '../catalog/report-definition.js';
import type { StagedRow } from '../staging/ndjson.js';
import { intlLocale } from './helpers/intl-format.js';
import type { Labels } from './labels.js';
import { describeFilters } from './applied-filters.js';

export interface TemplateContext {
  report: { code: string; title: string };
  /** `locale`: the BCP 47 tag the language formats as (`nb-NO` for `no` and `nb`), for `<html lang>`. */
  request: { id: string; format: OutputFormat; language: Language; locale: string; timezone: string };
  /** Validated parameters by name (strings, numbers, booleans, null). */
  parameters: Record<string, string | number | boolean | null>;
  /** The half-open period in the request's zone, or null when the report has none. */
  period: ReportPeriod | null;
  /** The request's filters, one readable line each (`quantity ≥ 10`); [] when unfiltered. */
  filters: string[];
  /** `constants` of report.json (e.g. the seller's name and address). */
  constants: Record<string, unknown>;
  rows: StagedRow[];
  /** When rendering started: ISO-8601 UTC instant. */
  generated_at: string;
  /** Shared labels merged with the report's own, for `request.language`. */
  labels: Labels;
}

/** Assembles the context for one render. `generatedAt` is injected so tests can pin it. */
export function buildTemplateContext(
  definition: ReportDefinition,
  validated: ValidatedRequest,
  rows: StagedRow[],
  labels: Labels,
  generatedAt: Date,
): TemplateContext {
  const { request } = validated;
  return {
    report: { code: definition.code, title: titleIn(definition, request.language) },
    request: { id: request.id, format: request.format, language: request.language, locale: intlLocale(request.language), timezone: request.timezone },
    parameters: validated.parameters,
    period: validated.period ?? null,
    filters: describeFilters(validated.filters),
    constants: definition.constants ?? {},
    rows,
    generated_at: generatedAt.toISOString(),
    labels,
  };
}
