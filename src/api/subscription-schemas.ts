/**
 * JSON Schemas of `/v1/report-subscriptions` bodies (snake_case). The report fields are those of
 * `POST /v1/report-generate-requests`; `schedule` says when. Unknown fields are refused.
 */
import { CREATE_REQUEST_BODY } from './schemas.js';

const { report_code, parameter_values, format, language, timezone, customer_id, notify, export_location } = CREATE_REQUEST_BODY.properties;

const schedule = {
  type: 'object',
  required: ['frequency'],
  additionalProperties: false,
  properties: {
    frequency: { type: 'string', enum: ['DAILY', 'WEEKLY', 'TWICE_A_MONTH', 'MONTHLY', 'CUSTOM'] },
    time_of_day: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
    day_of_week: { type: 'string', enum: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] },
    day_of_month: { anyOf: [{ type: 'integer', minimum: 1, maximum: 28 }, { type: 'string', enum: ['LAST'] }] },
    cron: { type: 'string', minLength: 9, maxLength: 100 },
  },
} as const;

const reportFields = { report_code, parameter_values, format, language, timezone, customer_id, notify, export_location } as const;

/** `POST /v1/report-subscriptions`. */
export const CREATE_SUBSCRIPTION_BODY = {
  type: 'object',
  required: ['report_code', 'format', 'timezone', 'schedule'],
  additionalProperties: false,
  properties: { ...reportFields, schedule, name: { type: 'string', minLength: 1, maxLength: 200 }, active: { type: 'boolean' } },
} as const;

/** `PATCH /v1/report-subscriptions/{id}`: any of the create fields but `active` (use pause/resume). */
export const PATCH_SUBSCRIPTION_BODY = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { ...reportFields, schedule, name: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** `POST …/pause` and `…/resume`. */
export const NOTE_BODY = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { note: { type: 'string', maxLength: 500 } },
} as const;

/** `POST …/backfill` (both required) and `…/trigger` (both or neither): ISO-8601 dates or instants. */
export const RANGE_BODY = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { from: { type: 'string', minLength: 10, maxLength: 40 }, to: { type: 'string', minLength: 10, maxLength: 40 } },
} as const;

export const BACKFILL_BODY = { ...RANGE_BODY, type: 'object', required: ['from', 'to'] } as const;
