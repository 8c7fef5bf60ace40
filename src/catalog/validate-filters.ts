/**
 * Checks a request's `filters` against its report definition and types their values. Called by
 * `validateRequest`, so the API (400) and the validate activity (non-retryable failure) agree.
 */
import { ReportError } from '../domain/errors.js';
import { FILTER_OPERATORS, type FilterOperator, type FilterScalar, type ValidatedFilter } from '../domain/report-request.js';
import type { FieldError } from '../domain/run-status.js';
import type { FilterType } from '../data/filter-sql.js';
import { filterOperators } from './filters.js';
import type { ReportDefinitionFile } from './report-definition.js';

/** Most values one `in` or `nin` takes. */
export const MAX_FILTER_LIST_VALUES = 1000;
/** Longest string value, in Unicode code points (as JSON Schema's `maxLength` counts). */
export const MAX_FILTER_STRING_LENGTH = 256;
/** Field errors reported at most; the rest are left out (one mistake repeated in a long list). */
const MAX_ERRORS = 20;

/** Reads one value of a type: the typed, normalised value, or `undefined` when it is not one. */
interface ValueType {
  parse(value: unknown): FilterScalar | undefined;
  /** What a value must be, for the error message. */
  expected: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 instant: the offset is required; at most 6 fraction digits (PostgreSQL keeps microseconds).
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DECIMAL = /^[+-]?\d{1,40}(?:\.\d{1,40})?$/;

const isDate = (text: string): boolean => {
  const m = DATE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // PostgreSQL has no year 0; setUTCFullYear rolls 31 April over to 1 May, which the comparison catches.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return year >= 1 && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
};

const VALUE_TYPES: Readonly<Record<FilterType, ValueType>> = {
  string: {
    // A code point takes at most two UTF-16 units: the cheap length check bounds the spread.
    parse: (v) => (typeof v === 'string' && v.length <= 2 * MAX_FILTER_STRING_LENGTH && [...v].length <= MAX_FILTER_STRING_LENGTH && !v.includes('\u0000') ? v : undefined),
    expected: `a string of at most ${MAX_FILTER_STRING_LENGTH} characters (no NUL)`,
  },
  integer: {
    parse: (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined),
    expected: 'an integer (a JSON number, at most 2^53 - 1 either side of 0)',
  },
  decimal: {
    // A JSON number arrives as a double; String() gives its shortest exact spelling (0.1 → "0.1").
    parse: (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' && DECIMAL.test(v) ? v : undefined),
    expected: 'a decimal: a JSON number or a string such as "2.55"',
  },
  date: {
    parse: (v) => (typeof v === 'string' && isDate(v) ? v : undefined),
    expected: 'a date YYYY-MM-DD',
  },
  timestamp: {
    parse: (v) => {
      if (typeof v !== 'string') return undefined;
      const m = TIMESTAMP.exec(v);
      if (!m || !isDate(m[1]!)) return undefined;
      const [hour, minute, second, offsetHour, offsetMinute] = [m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number];
      return hour < 24 && minute < 60 && second < 60 && offsetHour <= 14 && offsetMinute < 60 ? v : undefined;
    },
    expected: 'an ISO-8601 instant with offset, e.g. 2011-03-01T00:00:00Z',
  },
  boolean: {
    parse: (v) => (typeof v === 'boolean' ? v : undefined),
    expected: 'true or false',
  },
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * @param filters the request's `filters` as received (unchecked JSON).
 * @returns the conditions, typed: decimals as decimal strings, dates and timestamps as given (strings),
 *   integers as numbers; ordered by the definition's field order, then `FILTER_OPERATORS` order.
 *   `[]` when `filters` is absent or `{}`.
 * @throws ReportError('FILTER_INVALID') listing every problem found (at most 20) with its path, e.g.
 *   `filters.quantity.gte` or `filters.country.in[3]`: not an object, an undeclared field, a field with
 *   no operators, an unknown operator or one its type does not take, a value of the wrong type, a
 *   `between` without exactly two values, an empty or over-long (> 1000) `in`/`nin`.
 */
export function validateFilters(def: Pick<ReportDefinitionFile, 'filters'>, filters: unknown): ValidatedFilter[] {
  if (filters === undefined) return [];
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => {
    errors.push({ field, code: 'FILTER_INVALID', message });
  };
  const result: ValidatedFilter[] = [];
  if (!isPlainObject(filters)) {
    fail('filters', 'Must be an object: field name → {operator: value}.');
  } else {
    const declared = def.filters ?? {};
    const known = Object.keys(declared);
    for (const field of Object.keys(filters)) {
      // Bound the echo of a client's key in the error; it is never used anywhere else.
      const base = `filters.${field.slice(0, 64)}`;
      if (!Object.prototype.hasOwnProperty.call(declared, field)) {
        fail(base, known.length ? `Not a filterable field of this report; use one of ${known.join(', ')}.` : 'This report has no filterable fields.');
        continue;
      }
      const declaration = declared[field]!;
      const conditions = filters[field];
      const allowed = filterOperators(declaration);
      if (!isPlainObject(conditions) || Object.keys(conditions).length === 0) {
        fail(base, `Must be an object with at least one of ${allowed.join(', ')}.`);
        continue;
      }
      const type = VALUE_TYPES[declaration.type];
      for (const operator of Object.keys(conditions)) {
        const path = `${base}.${operator.slice(0, 64)}`;
        if (!(FILTER_OPERATORS as readonly string[]).includes(operator)) {
          fail(path, `Unknown operator; use one of ${allowed.join(', ')}.`);
        } else if (!(allowed as string[]).includes(operator)) {
          fail(path, `Not available for this ${declaration.type} field; use one of ${allowed.join(', ')}.`);
        } else {
          const filter = typed(field, operator as FilterOperator, conditions[operator], type, path, fail);
          if (filter) result.push(filter);
        }
      }
    }
    if (errors.length === 0) {
      const fieldOrder = (f: ValidatedFilter) => known.indexOf(f.field);
      result.sort((a, b) => fieldOrder(a) - fieldOrder(b) || FILTER_OPERATORS.indexOf(a.operator) - FILTER_OPERATORS.indexOf(b.operator));
    }
  }
  if (errors.length) {
    const shown = errors.slice(0, MAX_ERRORS);
    throw new ReportError('FILTER_INVALID', shown.map((e) => `${e.field}: ${e.message}`).join('; '), shown);
  }
  return result;
}

/** One operator's value(s) typed, or `undefined` after reporting what is wrong through `fail`. */
function typed(field: string, operator: FilterOperator, raw: unknown, type: ValueType, path: string, fail: (field: string, message: string) => void): ValidatedFilter | undefined {
  const scalar = (value: unknown, at: string): FilterScalar | undefined => {
    const parsed = type.parse(value);
    if (parsed === undefined) fail(at, `Must be ${type.expected}.`);
    return parsed;
  };
  switch (operator) {
    case 'eq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const value = scalar(raw, path);
      return value === undefined ? undefined : { field, operator, value };
    }
    case 'between': {
      if (!Array.isArray(raw) || raw.length !== 2) {
        fail(path, 'Must be exactly two values [low, high] (both included).');
        return undefined;
      }
      const low = scalar(raw[0], `${path}[0]`);
      const high = scalar(raw[1], `${path}[1]`);
      return low === undefined || high === undefined ? undefined : { field, operator, value: [low, high] };
    }
    case 'in':
    case 'nin': {
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_FILTER_LIST_VALUES) {
        fail(path, `Must be a list of 1 to ${MAX_FILTER_LIST_VALUES} values.`);
        return undefined;
      }
      const values = raw.map((v, i) => scalar(v, `${path}[${i}]`));
      return values.every((v) => v !== undefined) ? { field, operator, value: values as FilterScalar[] } : undefined;
    }
  }
}
