/**
 * JSON Schemas of `/v1/report-subscriptions` bodies (snake_case). The report fields are those of
 * `POST /v1/report-generate-requests`; `schedule` says when. Unknown fields are refused.
 */
import { EXPORT_LOCATION_VIEW } from '../export-location-schema.js';
import { PAGE_CURSOR, pageOf, REPORT_CODE, TEMPLATE_FILTER } from '../shared-schemas.js';
import { CREATE_REQUEST_BODY } from '../report-requests/body-schema.js';
import { text } from '../text-schema.js';

const { report_code, report_configuration_id, template_id, parameter_values, format, language, timezone, customer_id, notify, export_location, filters, metadata } = CREATE_REQUEST_BODY.properties;

const schedule = {
  type: 'object',
  required: ['frequency'],
  additionalProperties: false,
  properties: {
    frequency: { type: 'string', enum: ['DAILY', 'WEEKLY', 'TWICE_A_MONTH', 'MONTHLY', 'CUSTOM'] },
    time_of_day: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
    day_of_week: { type: 'string', enum: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] },
    day_of_month: { anyOf: [{ type: 'integer', minimum: 1, maximum: 28 }, { type: 'string', enum: ['LAST'] }] },
    cron: text(100, 9),
  },
} as const;

const reportFields = {
  report_code: { ...report_code, description: 'The report definition each run runs; required unless `report_configuration_id` or `template_id` is given.' },
  template_id: {
    ...template_id,
    description: 'Run this tenant template instead of a `report_code`: each run renders the template\'s version current when it runs (and records it); `format` defaults to the template\'s. Unknown to the tenant (or deleted): 404 TEMPLATE_NOT_FOUND.',
  },
  report_configuration_id: {
    ...report_configuration_id,
    description: 'Follow this saved report configuration: each run runs its preset with the fields given here in place of its own, and a change of the configuration is carried to the subscription. Unknown to the tenant (or deleted): 404 REPORT_CONFIGURATION_NOT_FOUND.',
  },
  parameter_values, format, language, timezone, customer_id, notify, export_location, filters, metadata,
} as const;

/** `POST /v1/report-subscriptions`. */
export const CREATE_SUBSCRIPTION_BODY = {
  type: 'object',
  required: ['schedule'],
  description: 'Give `report_code`, `format` and `timezone`; or `template_id` and `timezone`; or `report_configuration_id` (whose preset then gives whichever of them the body leaves out).',
  examples: [
    { name: 'Monthly sales', report_code: 'SALES_SUMMARY', format: 'CSV', timezone: 'Europe/Oslo', schedule: { frequency: 'MONTHLY', time_of_day: '06:00', day_of_month: 1 } },
    { name: 'Weekly UK sales', report_configuration_id: '0193c5e2-7a1b-7c3d-9e4f-0123456789ab', schedule: { frequency: 'WEEKLY', day_of_week: 'MONDAY', time_of_day: '07:00' } },
  ],
  additionalProperties: false,
  properties: { ...reportFields, schedule, name: text(200), active: { type: 'boolean' } },
} as const;

/** `PATCH /v1/report-subscriptions/{id}`: any of the create fields but `active` (use pause/resume). */
export const PATCH_SUBSCRIPTION_BODY = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { ...reportFields, schedule, name: text(200) },
} as const;

/** `POST …/pause` and `…/resume`. */
export const NOTE_BODY = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { note: text(500, 0) },
} as const;

/** `POST …/backfill` (both required) and `…/trigger` (both or neither): ISO-8601 dates or instants. */
export const RANGE_BODY = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { from: text(40, 10), to: text(40, 10) },
} as const;

export const BACKFILL_BODY = { ...RANGE_BODY, type: 'object', required: ['from', 'to'] } as const;

const period = {
  type: 'object',
  properties: { from: { type: 'string' }, to: { type: 'string' }, from_date: { type: 'string' }, to_date: { type: 'string' } },
} as const;

/** A subscription as lists show it (`subscriptionToWire`). */
export const SUBSCRIPTION_SUMMARY = {
  type: 'object',
  required: ['id', 'report_code', 'schedule', 'active'],
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    report_code: { type: 'string', description: 'The report code its runs record: a template\'s is `TEMPLATE_<template_id>`.' },
    template_id: { type: ['string', 'null'], description: 'The tenant template each run renders (its version current at the run), itself or through its configuration.' },
    parameter_values: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: {} } } },
    format: { type: 'string' },
    language: { type: 'string' },
    timezone: { type: 'string' },
    customer_id: { type: ['string', 'null'] },
    filters: { type: 'object', additionalProperties: true, description: 'The row filters each run applies, as sent.' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    report_configuration_id: { type: ['string', 'null'], description: 'The saved report configuration the subscription follows, if any.' },
    report_configuration_version: { type: ['integer', 'null'], description: 'The version of that configuration its runs now use.' },
    notify: {
      type: 'object',
      required: ['webhook_url', 'emails'],
      properties: { webhook_url: { type: ['string', 'null'] }, emails: { type: 'array', items: { type: 'string' } } },
      description: 'Where each run\'s outcome is sent.',
    },
    export_location: {
      type: 'array',
      items: EXPORT_LOCATION_VIEW,
      description: 'Where each run\'s report goes: LOCAL (always, for downloads) first, then the other locations as given, each with its fields both flat and nested. Credentials stay with the integration named by `integration_id`.',
    },
    schedule: {
      type: 'object',
      properties: {
        frequency: { type: 'string' },
        time_of_day: { type: 'string' },
        day_of_week: { type: 'string' },
        day_of_month: { type: ['integer', 'string'] },
        cron: { type: 'string' },
      },
    },
    summary: { type: 'string', description: 'The schedule in words, as the Temporal Web UI shows it.' },
    active: { type: 'boolean' },
    paused_reason: { type: ['string', 'null'] },
    consecutive_failures: { type: 'integer' },
    schedule_id: { type: 'string', description: 'The Temporal Schedule id.' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    links: { type: 'object', properties: { self: { type: 'string' } } },
  },
} as const;

/** One subscription with its schedule's state, next and last runs and missed periods. */
export const SUBSCRIPTION_VIEW = {
  type: 'object',
  required: SUBSCRIPTION_SUMMARY.required,
  properties: {
    ...SUBSCRIPTION_SUMMARY.properties,
    schedule_unavailable: {
      type: 'boolean',
      description: 'True when Temporal (or the database, for missed periods) did not answer in time: the subscription is as stored, and schedule_paused, schedule_note, next_run_times, the schedule\'s last_runs and missed_periods may be unknown (null or empty). A change this answers was made all the same.',
    },
    schedule_paused: { type: ['boolean', 'null'] },
    schedule_note: { type: ['string', 'null'] },
    next_run_times: { type: 'array', items: { type: 'string', format: 'date-time' }, description: 'The next times (at most 10) that will produce a report, UTC: empty while paused; for MONTHLY on the LAST day only the last days of months.' },
    last_runs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          nominal_time: { type: 'string' }, started_at: { type: 'string' }, workflow_id: { type: 'string' },
          status: { type: 'string' }, period, report_run_id: { type: 'string' },
        },
      },
    },
    missed_runs_outside_catchup: { type: 'integer' },
    missed_periods: {
      type: 'array',
      items: { type: 'object', properties: { ...period.properties, nominal_time: { type: 'string' }, reason: { type: 'string' } } },
    },
  },
} as const;

/** `GET /v1/report-subscriptions`. */
/** A page of subscriptions, oldest first, as the request list pages: `next_cursor` (null on the last page) and `total`. */
export const SUBSCRIPTION_LIST = pageOf(SUBSCRIPTION_SUMMARY);

/** `202` answer of `POST /v1/report-subscriptions/{id}/trigger`. */
export const TRIGGER_RESPONSE = {
  type: 'object',
  properties: { id: { type: 'string' }, triggered: { type: 'boolean' }, period, run_id: { type: 'string', description: 'The report run\'s id (a report generate request id).' } },
} as const;

/** `202` answer of `POST /v1/report-subscriptions/{id}/backfill`: how many runs were asked for. */
export const BACKFILL_RESPONSE = {
  type: 'object',
  properties: { id: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, runs: { type: 'integer' } },
} as const;

/** Subscription ids in paths (uuidv7, as the API gives them); any other text is not found (404). */
export const SUBSCRIPTION_ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } },
} as const;

/** Query string of `GET /v1/report-subscriptions`. */
export const SUBSCRIPTION_LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    report_code: REPORT_CODE,
    template_id: TEMPLATE_FILTER,
    active: { type: 'string', enum: ['true', 'false'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    cursor: PAGE_CURSOR,
  },
} as const;
