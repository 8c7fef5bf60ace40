/**
 * JSON Schemas of `/v1/templates` (snake_case). A template's spec is the same on upload (`POST`),
 * on change (`PUT`, a new version) and in an inline preview; unknown fields are refused. The body's
 * content is checked beyond its shape by src/templates/template-checks.ts.
 */
import { FILTER_OPERATORS } from '../../domain/report-request.js';
import { OPERATORS_BY_TYPE } from '../../data/filter-sql.js';
import { TEMPLATE_FORMATS, TEMPLATE_MAX_CHARS } from '../../templates/template.js';
import { PAGE_CURSOR, pageOf } from '../shared-schemas.js';
import { CREATE_REQUEST_BODY } from '../report-requests/body-schema.js';
import { text } from '../text-schema.js';

/** Template ids in paths and in `template_id` (uuidv7, as the API gives them). */
export const TEMPLATE_ID = { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } as const;

export const TEMPLATE_ID_PARAMS = { type: 'object', required: ['id'], properties: { id: TEMPLATE_ID } } as const;

const FILTER_DECLARATION = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { enum: Object.keys(OPERATORS_BY_TYPE), description: 'The dataset column\'s type.' },
    operators: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: FILTER_OPERATORS }, description: 'Narrows the type\'s operators.' },
  },
} as const;

const SPEC_PROPERTIES = {
  name: { ...text(200), description: 'What the template makes, shown in lists and searchable; the report\'s title.' },
  description: { type: 'string', maxLength: 2000 },
  format: { enum: TEMPLATE_FORMATS, description: 'PDF or HTML: an HTML page (values HTML-escaped). TXT: plain text (values as they are). CSV: values quoted as RFC 4180 fields. XML: values escaped as XML.' },
  dataset: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,63}$', description: 'The operator-declared dataset the template reads (README "Templates").' },
  body: { type: 'string', minLength: 1, maxLength: TEMPLATE_MAX_CHARS, description: 'Handlebars source: `rows` (dataset columns), `parameters`, `period`, `report`, `request`, `filters`, `generated_at`, `labels`, and the shared helpers.' },
  parameters: {
    type: 'object',
    required: ['type', 'properties'],
    additionalProperties: false,
    description: 'JSON Schema of the template\'s own parameters, besides the dataset\'s (checked with ajv on every run).',
    properties: { type: { const: 'object' }, properties: { type: 'object', maxProperties: 50 }, required: { type: 'array', items: { type: 'string' } } },
  },
  filters: { type: 'object', maxProperties: 50, propertyNames: { pattern: '^[a-z][a-z0-9_]*$' }, additionalProperties: FILTER_DECLARATION, description: 'Dataset columns a run may filter on, with their types.' },
} as const;

/** `POST /v1/templates` and `PUT /v1/templates/{id}`: a whole spec. */
export const TEMPLATE_BODY = {
  type: 'object',
  required: ['name', 'format', 'dataset', 'body'],
  examples: [
    { name: 'Lines as fixed-width text', format: 'TXT', dataset: 'invoice_lines', body: '{{#each rows}}{{pad invoice_no 8}}{{pad line_total 12 \'right\'}}\n{{/each}}' },
  ],
  additionalProperties: false,
  properties: SPEC_PROPERTIES,
} as const;

const { parameter_values: PARAMETER_VALUES, filters: FILTERS, language: LANGUAGE, timezone: TIMEZONE } = CREATE_REQUEST_BODY.properties;

/** Most rows a preview renders. */
export const PREVIEW_MAX_ROWS = 100;

/** `POST /v1/templates/preview`: a stored template (`template_id`) or an inline one (`template`), and a request's fields. */
export const PREVIEW_BODY = {
  type: 'object',
  additionalProperties: false,
  description: 'Give `template_id` (its current version) or `template` (a spec as for `POST /v1/templates`, not stored).',
  properties: {
    template_id: TEMPLATE_ID,
    template: TEMPLATE_BODY,
    parameter_values: PARAMETER_VALUES,
    filters: FILTERS,
    language: LANGUAGE,
    timezone: TIMEZONE,
    rows: { type: 'integer', minimum: 1, maximum: PREVIEW_MAX_ROWS, default: 20, description: `The first rows of the dataset to render (at most ${PREVIEW_MAX_ROWS}).` },
  },
} as const;

/** One template: its current version's spec, version and links. */
export const TEMPLATE_VIEW = {
  type: 'object',
  required: ['id', 'template_id', 'version', 'name', 'format', 'dataset', 'body', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    template_id: { type: 'string', description: 'The same as `id`: what a generate request names to run this template.' },
    version: { type: 'integer', description: '1 when uploaded, +1 per PUT; runs record the version they rendered.' },
    name: { type: 'string' },
    description: { type: 'string' },
    format: { type: 'string' },
    dataset: { type: 'string' },
    body: { type: 'string' },
    parameters: { type: 'object', additionalProperties: true },
    filters: { type: 'object', additionalProperties: true },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    links: { type: 'object', properties: { self: { type: 'string' } } },
  },
} as const;

/** A page of templates, oldest first: `next_cursor` (null on the last page) and `total`. */
export const TEMPLATE_LIST = pageOf(TEMPLATE_VIEW);

/** Query string of `GET /v1/templates`. */
export const TEMPLATE_LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dataset: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,63}$' },
    name: { ...text(200), description: 'Only templates whose name contains this text, in any case.' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: PAGE_CURSOR,
  },
} as const;
