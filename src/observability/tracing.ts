/**
 * OpenTelemetry tracing of one process (API or worker), on only when an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). Off, nothing here is even
 * loaded: no SDK, no exporter, no interceptor, and the spans reportflow opens itself (span.ts) go to
 * the API's no-op tracer.
 *
 * On, the Node SDK (@opentelemetry/sdk-node) registers the global tracer provider, W3C trace-context
 * propagation and fetch (undici) instrumentation, and exports spans in batches by OTLP; the exporter
 * reads the standard variables itself (endpoint, headers, timeout, compression), the SDK the sampler
 * and resource ones. Metrics and logs stay with Prometheus and pino: the SDK's OTLP metric and log
 * exporters are not started.
 */
import type { Resource } from '@opentelemetry/resources';
import type { FastifyPluginCallback } from 'fastify';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tracingEnabled, type Config } from '../config/settings.js';

/** A started tracing setup. */
export interface Tracing {
  /** The batch processor every span of this process goes through (workflow spans too, see temporal/tracing.ts). */
  spanProcessor: SpanProcessor;
  /** The process's resource (`service.name` …), which workflow spans are given too. */
  resource: Resource;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export type TracingConfig = Pick<Config, 'otlpEndpoint' | 'otlpTracesEndpoint' | 'otlpProtocol' | 'otelServiceName'>;

/**
 * Starts tracing when `config` names an OTLP endpoint.
 * @param serviceName `service.name` unless `OTEL_SERVICE_NAME` is set, e.g. `reportflow-worker`.
 * @returns undefined when tracing is off.
 */
export async function startTracing(config: TracingConfig, serviceName: string): Promise<Tracing | undefined> {
  if (!tracingEnabled(config)) return undefined;
  const [{ NodeSDK }, { BatchSpanProcessor }, { resourceFromAttributes }, { UndiciInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/instrumentation-undici'),
  ]);
  const spanProcessor = new BatchSpanProcessor(await traceExporter(config.otlpProtocol));
  const resource = resourceFromAttributes({ 'service.name': config.otelServiceName ?? serviceName });
  const sdk = new NodeSDK({
    resource,
    spanProcessors: [spanProcessor],
    instrumentations: [new UndiciInstrumentation()],
    // Prometheus scrapes the metrics and pino writes the logs; no OTLP push of either.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { spanProcessor, resource, shutdown: () => sdk.shutdown() };
}

/** The OTLP trace exporter of `protocol`; it reads the endpoint and headers from the standard variables. */
async function traceExporter(protocol: Config['otlpProtocol']): Promise<SpanExporter> {
  switch (protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    default:
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  }
}

/**
 * The API's request spans (@fastify/otel, fastify's own instrumentation): one span per request,
 * continuing the caller's `traceparent`, with the route pattern. Register before the routes.
 */
export async function fastifyTracing(): Promise<FastifyPluginCallback> {
  const { FastifyOtelInstrumentation } = await import('@fastify/otel');
  return new FastifyOtelInstrumentation().plugin() as FastifyPluginCallback;
}
