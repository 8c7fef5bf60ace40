/**
 * JSON Schemas of `/v1/report-configurations` (snake_case). A configuration's preset fields are those
 * of `POST /v1/report-generate-requests`, with their schemas; the fields that say when a run happens
 * (`generate_at`, `data_from`, `data_to`) and the `invoice_id` shorthand belong to a request only.
 * Unknown fields are refused.
 */
import { PAGE_CURSOR, pageOf, REPORT_CODE, TEMPLATE_FILTER } from '../shared-schemas.js';
import { CREATE_REQUEST_BODY } from '../report-requests/body-schema.js';
import { text } from '../text-schema.js';

const { generate_at: _g, data_from: _f, data_to: _t, invoice_id: _i, report_configuration_id: _c, template_id, ...REQUEST_FIELDS } = CREATE_REQUEST_BODY.properties;

const PRESET_FIELDS = {
  ...REQUEST_FIELDS,
  report_code: { ...REQUEST_FIELDS.report_code, description: 'The report definition the preset runs (then `format` is required too); or give `template_id`, not both.' },
  template_id: {
    ...template_id,
    description: 'The tenant template the preset runs instead of a report code: each run renders the template\'s version current at its request (and records it); `format` defaults to the template\'s. Unknown to the tenant (or deleted): 404 TEMPLATE_NOT_FOUND.',
  },
} as const;

/** Configuration ids in paths and in `report_configuration_id` (uuidv7, as the API gives them). */
export const CONFIGURATION_ID = { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } as const;

export const CONFIGURATION_ID_PARAMS = { type: 'object', required: ['id'], properties: { id: CONFIGURATION_ID } } as const;

const name = { ...text(200), description: 'What the preset is for, shown in lists and searchable.' };

/**
 * `POST /v1/report-configurations`: a name and a complete, runnable request preset of a report code
 * (with `format`) or a template (`template_id`), exactly one of the two (else 400 REQUEST_INVALID).
 */
export const CREATE_CONFIGURATION_BODY = {
  type: 'object',
  required: ['name'],
  description: 'Give `report_code` and `format`, or `template_id` (exactly one of `report_code` and `template_id`: both or neither is 400 REQUEST_INVALID naming the field).',
  examples: [
    { name: 'UK large orders', report_code: 'INVOICE_LINES', format: 'CSV', timezone: 'Europe/London', parameter_values: [{ name: 'from_date', value: '2011-01-01' }, { name: 'to_date', value: '2011-01-31' }], filters: { country: { eq: 'United Kingdom' }, quantity: { gte: 100 } } },
    { name: 'Monthly return', template_id: '0193c5e2-7a1b-7c3d-9e4f-0123456789ab', timezone: 'UTC', parameter_values: [{ name: 'from_date', value: '2011-07-01' }, { name: 'to_date', value: '2011-07-31' }] },
  ],
  additionalProperties: false,
  properties: { name, ...PRESET_FIELDS },
} as const;

/** `PATCH /v1/report-configurations/{id}`: each field given replaces the stored one, whole (`report_code` or `template_id` replaces the other). */
export const PATCH_CONFIGURATION_BODY = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: { name, ...PRESET_FIELDS },
} as const;

const anyObject = { type: 'object', additionalProperties: true } as const;

/** One configuration: its preset's fields as saved (absent ones are left out), version and links. */
export const CONFIGURATION_VIEW = {
  type: 'object',
  required: ['id', 'name', 'version', 'report_code', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    version: { type: 'integer', description: '1 when created, +1 per change; runs record the version they used.' },
    report_code: { type: 'string', description: 'The report code its runs record: a template\'s is `TEMPLATE_<template_id>`.' },
    template_id: { type: 'string', description: 'The tenant template it runs, if any: each run renders the version current then (the run records it).' },
    parameter_values: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: {} } } },
    filters: anyObject,
    format: { type: 'string' },
    language: { type: 'string' },
    timezone: { type: 'string' },
    customer_id: { type: 'string' },
    csv_comment_lines: { type: 'boolean' },
    notify: { type: 'object', properties: { webhook_url: { type: 'string' }, emails: { type: 'array', items: { type: 'string' } } } },
    export_location: { type: 'array', items: anyObject, description: 'The locations as saved (one location is saved as a list of one).' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    links: { type: 'object', properties: { self: { type: 'string' } } },
  },
} as const;

/** A page of configurations, oldest first: `next_cursor` (null on the last page) and `total`. */
export const CONFIGURATION_LIST = pageOf(CONFIGURATION_VIEW);

/** Query string of `GET /v1/report-configurations`. */
export const CONFIGURATION_LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    report_code: REPORT_CODE,
    template_id: TEMPLATE_FILTER,
    name: { ...text(200), description: 'Only configurations whose name contains this text, in any case.' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: PAGE_CURSOR,
  },
} as const;

/** `PATCH /v1/report-configurations/{id}` answer: the configuration, and what became of the subscriptions that follow it. */
export const CONFIGURATION_CHANGE_VIEW = {
  ...CONFIGURATION_VIEW,
  properties: {
    ...CONFIGURATION_VIEW.properties,
    subscriptions_updated: { type: 'array', items: { type: 'string' }, description: 'Ids of the subscriptions that follow the configuration and now run its new version.' },
    subscriptions_not_updated: {
      type: 'array',
      items: { type: 'string' },
      description: 'Ids of following subscriptions whose schedules could not be changed now (Temporal or the database did not answer): they run the version they showed before; `PATCH` each with `report_configuration_id` to take the new one.',
    },
  },
} as const;
