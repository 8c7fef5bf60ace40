/**
 * Validates a report request against its report definition. The API runs it before starting a run
 * (bad input → 400) and the validate activity runs it again inside the workflow (→ non-retryable
 * failure with the same code), so both give the same answer.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { namedValue, ReportError } from '../domain/errors.js';
import { LANGUAGES, type ReportRequest, type ValidatedRequest } from '../domain/report-request.js';
import { isValidTimeZone, periodFromDates } from '../domain/period.js';
import type { FieldError } from '../domain/run-status.js';
import type { Catalog } from './load-catalog.js';
import type { ReportDefinition } from './report-definition.js';
import { validateFilters } from './validate-filters.js';

// ajv-formats is a CommonJS module whose default export arrives wrapped under NodeNext resolution.
type AddFormats = typeof addFormatsModule.default;
const addFormats: AddFormats = (addFormatsModule as unknown as { default: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
addFormats(ajv, ['date', 'date-time', 'email', 'uri']);
const compiled = new WeakMap<ReportDefinition, ValidateFunction>();

function parameterValidator(def: ReportDefinition): ValidateFunction {
  let fn = compiled.get(def);
  if (!fn) {
    fn = ajv.compile(def.parameters);
    compiled.set(def, fn);
  }
  return fn;
}

/**
 * Compiles `schema` as a definition's parameter schema is compiled for validation (formats, coercion,
 * defaults), so a schema that compiles here validates requests later.
 * @throws Error when ajv cannot compile it.
 */
export function compileParameterSchema(schema: object): ValidateFunction {
  return ajv.compile(schema);
}

/**
 * Checks code, format, language, time zone, parameters and filters (src/catalog/validate-filters.ts);
 * applies parameter defaults and types; types the filters; resolves the period. Does not touch the
 * database (see `runDataChecks`).
 * @throws ReportError with the first failing rule's code and every field-level error found.
 */
export function validateRequest(catalog: Catalog, request: ReportRequest): ValidatedRequest {
  const def = catalog.get(request.reportCode);
  if (!def) {
    throw new ReportError('REPORT_CODE_UNKNOWN', `Unknown report code ${namedValue(request.reportCode, '(the code sent)')}.`, [
      { field: 'report_code', code: 'REPORT_CODE_UNKNOWN', message: `Known codes: ${[...catalog.keys()].join(', ')}.` },
    ]);
  }
  if (!def.formats[request.format]) {
    const allowed = Object.keys(def.formats).join(', ');
    throw new ReportError('FORMAT_UNSUPPORTED', `Report ${def.code} is not available as ${request.format}.`, [
      { field: 'format', code: 'FORMAT_UNSUPPORTED', message: `Allowed formats: ${allowed}.` },
    ]);
  }
  if (!(LANGUAGES as readonly string[]).includes(request.language)) {
    throw new ReportError('LANGUAGE_UNSUPPORTED', `Language ${namedValue(request.language, '(the one sent)')} is not supported.`, [
      { field: 'language', code: 'LANGUAGE_UNSUPPORTED', message: `Supported languages: ${LANGUAGES.join(', ')}.` },
    ]);
  }
  if (!isValidTimeZone(request.timezone)) {
    throw new ReportError('TIMEZONE_UNKNOWN', `${namedValue(request.timezone, 'The time zone sent')} is not an IANA time zone.`, [
      { field: 'timezone', code: 'TIMEZONE_UNKNOWN', message: 'Use an IANA name such as Europe/London.' },
    ]);
  }

  const given: Record<string, unknown> = {};
  const duplicates: FieldError[] = [];
  for (const p of request.parameterValues) {
    if (Object.prototype.hasOwnProperty.call(given, p.name)) {
      duplicates.push({ field: `parameter_values.${p.name}`, code: 'PARAMETER_INVALID', message: 'Given more than once.' });
    }
    given[p.name] = p.value;
  }
  if (duplicates.length) throw new ReportError('PARAMETER_INVALID', 'A parameter was given more than once.', duplicates);
  if (request.period && def.period) {
    given[def.period.from_parameter] = request.period.fromDate;
    given[def.period.to_parameter] = request.period.toDate;
  }

  const values = structuredClone(given);
  const validate = parameterValidator(def);
  if (!validate(values)) {
    const errors = (validate.errors ?? []).map(toFieldError);
    const first = errors[0]!;
    throw new ReportError(first.code as 'PARAMETER_INVALID', summarise(errors), errors);
  }

  const result: ValidatedRequest = { request, parameters: values as ValidatedRequest['parameters'] };
  const filters = validateFilters(def, request.filters);
  if (filters.length) result.filters = filters;
  if (request.period) {
    result.period = request.period;
  } else if (def.period) {
    const from = values[def.period.from_parameter];
    const to = values[def.period.to_parameter];
    if (typeof from === 'string' && typeof to === 'string') {
      try {
        result.period = periodFromDates(from, to, request.timezone);
      } catch (err) {
        throw new ReportError('PERIOD_INVALID', (err as Error).message, [
          { field: `parameter_values.${def.period.to_parameter}`, code: 'PERIOD_INVALID', message: 'Must not be before the start of the period.' },
        ]);
      }
    }
  }
  return result;
}

function toFieldError(e: ErrorObject): FieldError {
  if (e.keyword === 'required') {
    const name = (e.params as { missingProperty: string }).missingProperty;
    return { field: `parameter_values.${name}`, code: 'PARAMETER_MISSING', message: 'Required.' };
  }
  if (e.keyword === 'additionalProperties') {
    const name = (e.params as { additionalProperty: string }).additionalProperty;
    return { field: `parameter_values.${name}`, code: 'PARAMETER_UNKNOWN', message: 'Not a parameter of this report.' };
  }
  const name = e.instancePath.replace(/^\//, '').split('/')[0] ?? '';
  return { field: `parameter_values.${name}`, code: 'PARAMETER_INVALID', message: e.message ?? 'Invalid value.' };
}

function summarise(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}
