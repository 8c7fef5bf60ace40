/**
 * Text the service can keep. PostgreSQL `text` and `jsonb` cannot hold U+0000 (SQLSTATE 22021,
 * 22P05) nor a lone UTF-16 surrogate in JSON (22P02), and Temporal would carry them into schedules
 * and runs where nothing can show them. So a NUL or an unpaired surrogate anywhere in a request's body or
 * query string is refused with 400 REQUEST_INVALID naming the field, before any route runs,
 * and the request schemas say so for every free-text field (`text()` in src/api/text-schema.ts), so
 * /openapi.json tells clients and fuzzers the same rule.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReportError } from '../domain/errors.js';
import { fieldPath } from './errors.js';

/** Nesting deeper than this is not walked (bodies are at most 64 KiB; the schemas refuse deep ones). */
const MAX_DEPTH = 32;

/**
 * fastify `preValidation` hook: refuses a request whose body, query string or path parameters hold a
 * NUL character or an unpaired surrogate, in a value or a key. Path parameters are left to their
 * schemas' patterns, which answer 404 like any id that names nothing.
 * @throws ReportError('REQUEST_INVALID') naming the first such field, e.g. `note` or `metadata.ref`.
 */
export async function rejectUnstorableText(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  for (const part of [req.query, req.body]) {
    const field = unstorableField(part, '', 0);
    if (field !== undefined) {
      throw new ReportError('REQUEST_INVALID', `${field} contains a NUL character or an unpaired surrogate, which cannot be stored.`, [
        { field, code: 'REQUEST_INVALID', message: 'Must not contain U+0000 or an unpaired surrogate.' },
      ]);
    }
  }
}

/** The JSON-pointer-like path (as `fieldPath` prints it) of the first unstorable string in `value`. */
function unstorableField(value: unknown, pointer: string, depth: number): string | undefined {
  if (typeof value === 'string') return storable(value) ? undefined : fieldPath(pointer);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = `${pointer}/${key}`;
    if (!storable(key)) return fieldPath(at);
    const found = unstorableField(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function storable(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}
