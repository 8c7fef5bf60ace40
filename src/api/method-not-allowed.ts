/**
 * 405 for a method a known path does not take (RFC 9110 §15.5.6): `PUT /v1/reports/{id}` is answered
 * 405 METHOD_NOT_ALLOWED in the one error shape with an `Allow` header listing the methods the path
 * does take, rather than 404 as if the path did not exist. `OPTIONS` on a known path is answered 204
 * with the same `Allow` header. Unknown paths stay 404.
 *
 * The answer is given in an `onRequest` hook, before authentication and before the body is read, so
 * a body or a content type that does not fit cannot turn it into a 400 first.
 */
import type { FastifyInstance } from 'fastify';
import { errorHeaders, errorReply } from './errors.js';

interface KnownPath {
  pattern: RegExp;
  /** Path parameters in it: of the paths a URL matches, those with the fewest are its resource. */
  params: number;
  methods: Set<string>;
}

/** Call on the root instance before any route is registered. */
export function answerUnknownMethods(app: FastifyInstance): void {
  const known = new Map<string, KnownPath>();
  app.addHook('onRoute', (route) => {
    let entry = known.get(route.url);
    if (!entry) {
      entry = { ...patternOf(route.url), methods: new Set() };
      known.set(route.url, entry);
    }
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!req.is404) return;
    const allow = allowedMethods([...known.values()], (req.url.split('?')[0] ?? ''));
    if (!allow) return;
    reply.header('allow', allow.join(', '));
    if (req.method === 'OPTIONS') return reply.code(204).send();
    const { status, body } = errorReply('METHOD_NOT_ALLOWED', `${req.method} is not allowed on this path; use ${allow.join(', ')}.`, [
      { field: 'method', code: 'METHOD_NOT_ALLOWED', message: `Allowed: ${allow.join(', ')}.` },
    ]);
    return reply.code(status).headers(errorHeaders(status)).send(body);
  });
}

/** The methods the most specific known path matching `path` takes, sorted; undefined when none matches. */
function allowedMethods(paths: KnownPath[], path: string): string[] | undefined {
  const matching = paths.filter((p) => p.pattern.test(path));
  if (!matching.length) return undefined;
  const fewest = Math.min(...matching.map((p) => p.params));
  const methods = new Set(matching.filter((p) => p.params === fewest).flatMap((p) => [...p.methods]));
  return [...methods].sort();
}

/** `/v1/reports/:id/download` → a RegExp matching its URLs (a parameter is one non-empty segment; `*` anything). */
function patternOf(url: string): { pattern: RegExp; params: number } {
  let params = 0;
  const source = url.split('/').map((segment) => {
    if (segment.startsWith(':')) {
      params++;
      return '[^/]+';
    }
    if (segment === '*') {
      params++;
      return '.*';
    }
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  return { pattern: new RegExp(`^${source}$`), params };
}
