/**
 * The request schema's complaints about `filters` (src/api/filter-schema.ts) in the words and code
 * of src/catalog/validate-filters.ts: an unknown operator, a `between` without two values or an
 * empty `in` is `FILTER_INVALID` naming the filter's path (`filters.quantity.between`), as the
 * README documents, whichever of the two checks finds it first.
 */
import { MAX_FILTER_LIST_VALUES, MAX_FILTER_STRING_LENGTH } from '../catalog/validate-filters.js';
import { FILTER_OPERATORS } from '../domain/report-request.js';
import type { FieldError } from '../domain/run-status.js';

/** An ajv error as fastify attaches it (the parts used here). */
export interface SchemaIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

const OPERATORS = FILTER_OPERATORS.join(', ');

/** ajv escapes `~` and `/` in a key (RFC 6901); the path names keys as the client wrote them, cut to 64 characters. */
const key = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~').slice(0, 64);

/** The `FILTER_INVALID` field error for a schema issue inside the body's `filters`, or `undefined` for any other issue. */
export function filterFieldError(issue: SchemaIssue): FieldError | undefined {
  const [top, field, operator, index] = issue.instancePath.split('/').slice(1).map(key);
  if (top !== 'filters') return undefined;
  const error = (path: string, message: string): FieldError => ({ field: path, code: 'FILTER_INVALID', message });
  const added = String(issue.params['additionalProperty'] ?? '').slice(0, 64);
  if (field === undefined) {
    if (issue.keyword === 'additionalProperties') return error(`filters.${added}`, 'Not a filterable field name (a report column: lower-case letters, digits and _).');
    if (issue.keyword === 'maxProperties') return error('filters', 'At most 64 fields.');
    return error('filters', 'Must be an object: field name → {operator: value}.');
  }
  if (operator === undefined) {
    if (issue.keyword === 'additionalProperties') return error(`filters.${field}.${added}`, `Unknown operator; use one of ${OPERATORS}.`);
    return error(`filters.${field}`, `Must be an object with at least one of ${OPERATORS}.`);
  }
  const path = `filters.${field}.${operator}`;
  if (index === undefined && operator === 'between') return error(path, 'Must be exactly two values [low, high] (both included).');
  if (index === undefined && (operator === 'in' || operator === 'nin')) return error(path, `Must be a list of 1 to ${MAX_FILTER_LIST_VALUES} values.`);
  return error(index === undefined ? path : `${path}[${index}]`, `Must be a string (at most ${MAX_FILTER_STRING_LENGTH} characters, no NUL), a number or a boolean.`);
}
