/** JSON Schemas of the report catalog's answers (`GET /v1/report-definitions[/{code}]`). */
import { LANGUAGES } from '../../domain/report-request.js';

/** One report definition as `GET /v1/report-definitions[/{code}]` shows it. */
export const DEFINITION_RESPONSE = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    title: { type: 'object', description: 'Title per language: `en` and `no` always, others where the report has them.', properties: Object.fromEntries(LANGUAGES.map((l) => [l, { type: 'string' }])) },
    description: { type: 'string' },
    parameters: { type: 'object', additionalProperties: true },
    formats: { type: 'array', items: { type: 'string' } },
    columns: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          type: { type: 'string' },
          expand: { type: 'string', description: 'Present on a column that becomes one column per item the request\'s parameters make (all of `type`): `aging_buckets` is AR_AGING\'s `current`, `days_1_30`, …, `days_over_90` for its `intervals`.' },
        },
      },
    },
    filters: {
      type: 'array',
      description: 'Fields `filters` may name, with their type and the operators allowed on them.',
      items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' }, operators: { type: 'array', items: { type: 'string' } } } },
    },
    has_period: { type: 'boolean' },
    period: { type: 'object', properties: { from_parameter: { type: 'string' }, to_parameter: { type: 'string' } } },
    bulk: {
      type: 'object',
      description: 'Present when the report has bulk runs (`POST /v1/report-bulk-requests`): the parameter each document\'s key fills, and the keys query\'s parameters (a JSON Schema) and period.',
      properties: {
        key_parameter: { type: 'string' },
        parameters: { type: 'object', additionalProperties: true },
        period: { type: 'object', properties: { from_parameter: { type: 'string' }, to_parameter: { type: 'string' } } },
      },
    },
  },
} as const;

/** `200` answer to `GET /v1/report-definitions`. */
export const DEFINITION_LIST_RESPONSE = {
  type: 'object',
  properties: { items: { type: 'array', items: DEFINITION_RESPONSE } },
} as const;
