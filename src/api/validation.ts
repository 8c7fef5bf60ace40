/**
 * How fastify validates each part of a request. Bodies are JSON: no type coercion and unknown
 * fields refused, so `"10"` is not a number and a misspelt field is an error, not silently dropped.
 * Query strings and path parameters are text by nature, so there `"10"` is read as the integer the
 * schema asks for (and `"true"` as a boolean). Both use ajv 8 with ajv-formats (date-time, email, uri …).
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is a CommonJS module whose default export arrives wrapped under NodeNext resolution.
type AddFormats = typeof addFormatsModule.default;
const addFormats: AddFormats = (addFormatsModule as unknown as { default: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

const COMMON: Options = { removeAdditional: false, allErrors: true, useDefaults: true, allowUnionTypes: true, strict: false };

function ajvWith(options: Options): Ajv {
  const ajv = new Ajv({ ...COMMON, ...options });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = ajvWith({ coerceTypes: false });
const textAjv = ajvWith({ coerceTypes: true });

/** fastify validator compiler: strict JSON for bodies, coercing for querystring, params and headers. */
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
