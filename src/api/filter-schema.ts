/**
 * JSON Schema of the request body's `filters` field: the generic shape only (field-name keys, the eight
 * operators, scalars, list lengths). Whether a field is filterable and a value fits its type depends on
 * the report definition and is checked after the schema by src/catalog/validate-filters.ts
 * (`FILTER_INVALID`), the same check the validate activity runs.
 *
 * Example: `{"country": {"in": ["France", "Germany"]}, "quantity": {"gte": 10, "lt": 100}}`.
 */
import { MAX_FILTER_LIST_VALUES, MAX_FILTER_STRING_LENGTH } from '../catalog/validate-filters.js';
import { STORABLE_TEXT_PATTERN } from './text-schema.js';

/** One value: a string (≤ 256 characters, no NUL), number or boolean; `null` is refused. */
const scalar = { type: ['string', 'number', 'boolean'], maxLength: MAX_FILTER_STRING_LENGTH, pattern: STORABLE_TEXT_PATTERN } as const;
const list = { type: 'array', minItems: 1, maxItems: MAX_FILTER_LIST_VALUES, items: scalar } as const;

/** The operators of one field: at least one, no other keys. `between` is `[low, high]`, both included. */
const fieldConditions = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    eq: scalar,
    gt: scalar,
    gte: scalar,
    lt: scalar,
    lte: scalar,
    between: { type: 'array', minItems: 2, maxItems: 2, items: scalar },
    in: list,
    nin: list,
  },
} as const;

/**
 * `filters`: an object whose keys are field names (`^[a-z][a-z0-9_]{0,63}$`, i.e. a definition's column
 * names) and whose values are `{operator: value}` objects. Any other key is refused as an unknown field
 * (`additionalProperties: false`), so ajv names it in the error.
 */
export const FILTERS_SCHEMA = {
  type: 'object',
  maxProperties: 64,
  additionalProperties: false,
  patternProperties: { '^[a-z][a-z0-9_]{0,63}$': fieldConditions },
} as const;
