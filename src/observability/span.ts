/**
 * Spans reportflow opens itself around the calls that matter in a trace (database queries, the
 * Chromium render, exports). Through @opentelemetry/api: with tracing off no tracer provider is
 * registered and these cost one no-op call each.
 */
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('reportflow');

/**
 * Runs `fn` in a new span named `name` (a child of the active one), ended when `fn` settles; an
 * error is recorded on the span and rethrown unchanged.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span for code that cannot run inside a callback (a generator); the caller ends it. */
export function startSpan(name: string, attributes: Attributes): Span {
  return tracer.startSpan(name, { attributes });
}

/** Records `err` on `span` as its failure. */
export function failSpan(span: Span, err: unknown): void {
  span.recordException(err as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
}

/** OpenTelemetry's database attributes of one SQL statement (its text only: values are bound, never inlined). */
export function sqlAttributes(sql: string): Attributes {
  const text = sql.trim();
  return { 'db.system.name': 'postgresql', 'db.operation.name': /^\w+/.exec(text)?.[0]?.toUpperCase() ?? 'SQL', 'db.query.text': text.slice(0, 2000) };
}
