/**
 * Tenant templates: a tenant's own report layout over an operator-declared dataset (see
 * src/catalog/datasets.ts). The layout is Handlebars; the data comes from the dataset's query only,
 * so no tenant writes SQL. Every change is a new version; versions are kept, and a run records the
 * version it rendered. Times are ISO-8601 UTC.
 */
import type { FilterDeclaration } from '../catalog/report-definition.js';

/**
 * Formats a template may produce. PDF and HTML: an HTML page (values HTML-escaped; PDF printed by
 * the locked-down Chromium). TXT: plain text (values as they are). CSV: values quoted as RFC 4180
 * fields when needed. XML: values escaped as XML text and attribute content.
 */
export const TEMPLATE_FORMATS = ['PDF', 'HTML', 'TXT', 'CSV', 'XML'] as const;
export type TemplateFormat = (typeof TEMPLATE_FORMATS)[number];

/** Most characters of a template body: it is stored, compiled and walked at upload. */
export const TEMPLATE_MAX_CHARS = 64 * 1024;

/** JSON Schema (object) of a template's own parameters, besides its dataset's. */
export interface TemplateParameters {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
}

/** What one version of a template holds (snake_case, as on the wire and in the database). */
export interface TemplateSpec {
  name: string;
  description: string;
  format: TemplateFormat;
  /** The dataset it reads (a `dataset` name of the catalog). */
  dataset: string;
  /** Handlebars source, at most `TEMPLATE_MAX_CHARS` characters. */
  body: string;
  /** Extra parameters the template prints (e.g. an institution code); the dataset's are always there. */
  parameters?: TemplateParameters;
  /** Dataset fields a run may filter on, each with its column's type; a subset of the dataset's filters. */
  filters?: Record<string, FilterDeclaration>;
}

/** A stored template: the current version's spec plus identity and times. */
export interface Template {
  id: string;
  tenantId: string;
  /** 1 when created, +1 per `PUT`. */
  version: number;
  spec: TemplateSpec;
  createdAt: string;
  updatedAt: string;
}

/** The report code a run of a template records: `TEMPLATE_<id>` (ids are uuidv7, so within 64 characters). */
export function templateReportCode(templateId: string): string {
  return `TEMPLATE_${templateId}`;
}
