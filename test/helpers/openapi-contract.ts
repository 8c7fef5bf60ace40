/**
 * Contract checks of HTTP answers against an OpenAPI 3.1 document, as the service serves it at
 * `/openapi.json`: the operation is found by method and path template, the response object by the
 * exact status, else its class (`4XX`, `5XX`), else `default`; a JSON body is validated with ajv's
 * JSON Schema 2020-12 dialect (the one OpenAPI 3.1 uses) plus ajv-formats. Every checked answer is
 * counted against its operation, so a test can fail when a documented operation was never exercised.
 * `ContractSession` sends requests through an `ApiClient` and checks every answer on the way.
 */
import assert from 'node:assert/strict';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ApiClient, RawRequest, RawResponse } from './api-client.js';

// ajv-formats is CommonJS; under NodeNext its default export may arrive wrapped.
type AddFormats = typeof addFormatsModule.default;
const addFormats: AddFormats = (addFormatsModule as unknown as { default: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The parts of an OpenAPI 3.1 document this helper reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
}

/** One answer to check. */
export interface ObservedResponse {
  /** HTTP method, any case. */
  method: string;
  /** The request path as sent (a query string is ignored), or the path template itself. */
  path: string;
  status: number;
  /** `content-type` without parameters, lower case; '' when there is none. */
  contentType: string;
  /** The body as text ('' when empty). */
  text: string;
  /** Response headers by lower-case name; documented ones that are present are checked against their schema. */
  headers?: Record<string, string | undefined>;
}

/** An operation of the document: `GET /v1/reports/{id}` and where it sits in the document. */
export interface OperationMatch {
  /** `METHOD /path/{template}`, the key coverage is counted by. */
  key: string;
  template: string;
  method: string;
  operation: { operationId?: string; responses?: Record<string, ResponseObject> };
}

interface ResponseObject {
  description?: string;
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, { schema?: unknown }>;
}

/** `{"error": {"code", "message", "errors": [{"field", "code", "message"}]}}`, nothing else. */
export const ERROR_SHAPE_SCHEMA = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'errors'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' },
        message: { type: 'string' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            required: ['field', 'code', 'message'],
            additionalProperties: false,
            properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

const DOC_ID = 'openapi.json';

/** Checks answers against one OpenAPI document and counts which operations were exercised. */
export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly errorShape: ValidateFunction;
  /** Operation key → the statuses checked for it. */
  readonly exercised = new Map<string, Set<number>>();

  /** @throws Error when `document` is not OpenAPI 3.1 or has no paths. */
  constructor(readonly document: OpenApiDocument) {
    if (!/^3\.1\./.test(String(document.openapi)) || typeof document.paths !== 'object') {
      throw new Error(`not an OpenAPI 3.1 document (openapi: ${String(document.openapi)})`);
    }
    // strict: false because OpenAPI adds keywords of its own (example, discriminator, xml …).
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, DOC_ID);
    this.errorShape = this.ajv.compile(ERROR_SHAPE_SCHEMA);
  }

  /**
   * Fetches `<baseUrl>/openapi.json` (no credentials) and builds a contract from it.
   * @throws Error when it does not answer 200 with an OpenAPI 3.1 document.
   */
  static async load(baseUrl: string): Promise<OpenApiContract> {
    const res = await fetch(`${baseUrl}/openapi.json`);
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    return new OpenApiContract((await res.json()) as OpenApiDocument);
  }

  /** Every documented operation, as `METHOD /template` keys, sorted. */
  operations(): string[] {
    const keys: string[] = [];
    for (const [template, item] of Object.entries(this.document.paths)) {
      for (const method of HTTP_METHODS) if (item[method]) keys.push(`${method.toUpperCase()} ${template}`);
    }
    return keys.sort();
  }

  /**
   * The operation serving `method path`: a template equal to the path wins, else the matching
   * template with the fewest parameters (`/search` before `/{id}`). A path segment matches a
   * `{param}` when it is non-empty; segments are compared percent-decoded.
   */
  match(method: string, path: string): OperationMatch | undefined {
    const m = method.toLowerCase();
    const wanted = (path.split('?')[0] ?? '').split('/');
    let best: { match: OperationMatch; params: number } | undefined;
    for (const [template, item] of Object.entries(this.document.paths)) {
      const operation = item[m] as OperationMatch['operation'] | undefined;
      if (!operation) continue;
      const parts = template.split('/');
      if (parts.length !== wanted.length) continue;
      let params = 0;
      const fits = parts.every((part, i) => {
        const seg = wanted[i] ?? '';
        if (/^\{[^}]+\}$/.test(part)) {
          params++;
          return seg !== '';
        }
        return part === seg || part === safeDecode(seg);
      });
      if (fits && (!best || params < best.params)) best = { match: { key: `${m.toUpperCase()} ${template}`, template, method: m, operation }, params };
    }
    return best?.match;
  }

  /**
   * What is wrong with `res` by the document ([] when nothing); counts the operation as exercised
   * when it is found. Checks: the operation exists; a response is documented for the status; the
   * content type is documented for it (its media type exactly, or a `type/*` range: a PDF is not
   * an `application/octet-stream`); a JSON body validates against its schema; a response without
   * content has an empty body; documented headers that are present validate against their schema.
   */
  problems(res: ObservedResponse): string[] {
    const op = this.match(res.method, res.path);
    if (!op) return [`${res.method.toUpperCase()} ${res.path}: no such operation in /openapi.json`];
    let statuses = this.exercised.get(op.key);
    if (!statuses) this.exercised.set(op.key, (statuses = new Set()));
    statuses.add(res.status);

    const responses = op.operation.responses ?? {};
    const status = String(res.status);
    const klass = `${status[0]}XX`;
    const code = [status, klass, klass.toLowerCase(), 'default'].find((c) => responses[c] !== undefined);
    const at = `${op.key} → ${res.status}`;
    if (code === undefined) return [`${at}: status not documented (documented: ${Object.keys(responses).join(', ') || 'none'})`];
    const response = responses[code]!;
    const headerProblems = Object.entries(response.headers ?? {}).flatMap(([name, header]) => {
      const value = res.headers?.[name.toLowerCase()];
      if (value === undefined || header.schema === undefined) return [];
      const validate = this.validatorFor(['paths', op.template, op.method, 'responses', code, 'headers', name, 'schema']);
      return validate(value) ? [] : [`${at}: header ${name}: ${JSON.stringify(value)} ${describeErrors(validate.errors)}`];
    });
    if (headerProblems.length) return headerProblems;
    const content = response.content ?? {};
    const media = Object.keys(content);
    if (media.length === 0) return res.text === '' ? [] : [`${at}: the document gives no content, but the body is ${res.contentType || 'untyped'} (${res.text.slice(0, 120)})`];

    const isJson = res.contentType === 'application/json' || res.contentType.endsWith('+json');
    const [type] = res.contentType.split('/');
    const mediaKey = media.find((k) => k === res.contentType) ?? media.find((k) => k === `${type}/*` || k === '*/*');
    if (mediaKey === undefined) return [`${at}: content type "${res.contentType}" not documented (documented: ${media.join(', ')})`];
    const schema = content[mediaKey]?.schema;
    if (schema === undefined || !isJson) return [];

    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      return [`${at}: body is not JSON: ${res.text.slice(0, 200)}`];
    }
    const validate = this.validatorFor(['paths', op.template, op.method, 'responses', code, 'content', mediaKey, 'schema']);
    if (validate(body)) return [];
    return [`${at} (${code}): ${describeErrors(validate.errors)}; body: ${res.text.slice(0, 400)}`];
  }

  /** @throws Error listing the problems of `res` (see `problems`). */
  assertValid(res: ObservedResponse): void {
    const found = this.problems(res);
    if (found.length) throw new Error(`response does not match /openapi.json:\n  ${found.join('\n  ')}`);
  }

  /** Documented operations never checked, optionally only those `include` keeps. */
  unexercised(include: (key: string) => boolean = () => true): string[] {
    return this.operations().filter((key) => include(key) && !this.exercised.has(key));
  }

  /** What is wrong with `body` as an error body (`ERROR_SHAPE_SCHEMA`); '' when nothing. */
  errorShapeProblems(body: unknown): string {
    return this.errorShape(body) ? '' : describeErrors(this.errorShape.errors);
  }

  private validatorFor(pointer: string[]): ValidateFunction {
    const ref = `${DOC_ID}#/${pointer.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String(e.params['additionalProperty'])})` : ''}`).join('; ');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A parsed JSON body, read freely by assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = Record<string, any>;

/** Sends requests with an `ApiClient` and checks every answer against the contract, collecting the problems. */
export class ContractSession {
  /** Every contract problem seen so far. */
  readonly problems: string[] = [];

  constructor(private readonly contract: OpenApiContract, private readonly client: ApiClient) {}

  /**
   * Sends `req` with the client's key, or, when `headers` is given, with exactly those credentials
   * (`{}`: none). `body` is the parsed JSON body (`{}` when not JSON).
   */
  async send(req: RawRequest, headers?: Record<string, string>): Promise<RawResponse & { body: JsonBody }> {
    const res = await this.client.request({ ...req, headers: { ...req.headers, ...headers } }, { auth: headers === undefined });
    const text = res.contentType.includes('json') || res.bytes.length === 0 ? res.text : `<${res.bytes.length} bytes>`;
    const answered = Object.fromEntries(res.headers.entries());
    this.problems.push(...this.contract.problems({ method: req.method, path: req.path, status: res.status, contentType: res.contentType, text, headers: answered }));
    return { ...res, body: (res.json ?? {}) as JsonBody };
  }

  /**
   * `send`, then asserts the status and, when given, the error code.
   * @throws AssertionError naming the request and quoting the answer.
   */
  async expect(status: number, req: RawRequest, opts: { headers?: Record<string, string>; code?: string } = {}): Promise<RawResponse & { body: JsonBody }> {
    const res = await this.send(req, opts.headers);
    const shown = res.contentType.includes('json') ? res.text.slice(0, 600) : res.contentType;
    assert.equal(res.status, status, `${req.method} ${req.path} → ${res.status}: ${shown}`);
    if (opts.code) assert.equal(res.body.error?.code, opts.code, `${req.method} ${req.path}: ${shown}`);
    return res;
  }

  /** @throws AssertionError listing every answer that did not match /openapi.json. */
  assertContract(): void {
    assert.deepEqual(this.problems, [], `answers that do not match /openapi.json:\n${this.problems.join('\n')}`);
  }
}
