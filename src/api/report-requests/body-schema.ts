/**
 * JSON Schema of a report request's body (snake_case), which presets, subscriptions and bulk runs
 * share. fastify enforces it: unknown fields are refused, not dropped.
 */
import { OUTPUT_FORMATS } from '../../domain/report-request.js';
import { EXPORT_LOCATION } from '../export-location-schema.js';
import { FILTERS_SCHEMA } from '../filter-schema.js';
import { METADATA } from '../shared-schemas.js';
import { STORABLE_TEXT_PATTERN, text } from '../text-schema.js';

/** `POST /v1/report-generate-requests` body. `format` is matched case-insensitively later. */
export const CREATE_REQUEST_BODY = {
  type: 'object',
  description: 'Give `report_code`, or `report_configuration_id` to run a saved configuration: then the fields given here replace the configuration\'s fields of the same name, whole (README "Report configurations").',
  examples: [
    { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'PDF', language: 'en', timezone: 'Europe/London' },
    { report_code: 'INVOICE_LINES', parameter_values: [{ name: 'from_date', value: '2011-01-01' }, { name: 'to_date', value: '2011-01-31' }, { name: 'customer_id', value: '12347' }], format: 'CSV', language: 'no', timezone: 'Europe/Oslo' },
    { report_configuration_id: '0193c5e2-7a1b-7c3d-9e4f-0123456789ab', format: 'XLSX' },
  ],
  additionalProperties: false,
  properties: {
    report_code: { ...text(64), description: 'The report definition to run; required unless `report_configuration_id` is given.' },
    template_id: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$', description: 'Run this tenant template (its current version, which the run records) instead of a `report_code`. Unknown to the tenant (or deleted): 404 TEMPLATE_NOT_FOUND.' },
    report_configuration_id: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$', description: 'Run this saved report configuration: its fields, with the fields given here in their place. Unknown to the tenant (or deleted): 404 REPORT_CONFIGURATION_NOT_FOUND.' },
    parameter_values: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['name', 'value'],
        additionalProperties: false,
        properties: {
          name: text(64),
          // `pattern` applies to a string value only.
          value: { type: ['string', 'number', 'boolean', 'null'], pattern: STORABLE_TEXT_PATTERN },
        },
      },
    },
    format: { ...text(16), description: `Output format, case-insensitive: one of ${OUTPUT_FORMATS.join(', ')} that the report definition offers (its \`formats\`). A report request without it takes the format its \`Accept\` header names (required when that names none).` },
    language: { ...text(16), description: 'Language of labels, numbers and dates, case-insensitive. A report request without it takes the best match of its `Accept-Language` header, else `en`.' },
    timezone: { ...text(64), description: 'IANA time zone of dates and period boundaries. A report request without it gets the service\'s `REPORTFLOW_DEFAULT_TIME_ZONE`.' },
    customer_id: text(64),
    invoice_id: { ...text(64), description: 'INVOICE only: shorthand for its `invoice_id` parameter.' },
    notify: {
      type: 'object',
      additionalProperties: false,
      properties: {
        webhook_url: { type: 'string', format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\\s]+', maxLength: 2048 },
        emails: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', format: 'email', maxLength: 254 } },
      },
    },
    // One location, or several (each delivered by its own activity). LOCAL is always written as well.
    // One schema for both shapes (object keywords apply to an object, `items` to an array), so a
    // mistake is reported once on its field rather than once per oneOf branch.
    export_location: { ...EXPORT_LOCATION, type: ['object', 'array'], minItems: 1, maxItems: 5, items: EXPORT_LOCATION },
    filters: FILTERS_SCHEMA,
    csv_comment_lines: { type: 'boolean', description: 'CSV only: start the file with `#` comment lines naming the report, its period, time zone and filters (off by default: RFC 4180 has no comments, and parsers that do not skip them would read them as rows).' },
    metadata: METADATA,
    generate_at: { type: 'string', format: 'date-time', maxLength: 64, description: 'Start the run at this instant (ISO-8601 with offset) instead of at once.' },
    data_from: { type: 'string', format: 'date-time', maxLength: 64, description: 'Start of the period (ISO-8601 with offset, midnight in the request\'s time zone), instead of the report\'s period parameters; with `data_to`.' },
    data_to: { type: 'string', format: 'date-time', maxLength: 64, description: 'End of the period, exclusive (midnight in the request\'s time zone, after `data_from`): `data_to` minus one day is its last day.' },
  },
} as const;
