/**
 * Traces through Temporal (@temporalio/interceptors-opentelemetry): the client interceptor puts the
 * caller's trace context (the API's request span) into the workflow's start headers; the workflow
 * interceptors, bundled into the workflow code, open the workflow's spans from it and pass it on to
 * every activity and child workflow; the activity interceptor opens each activity's span under it.
 * Workflow spans are made inside the sandbox and leave it through the `exporter` sink.
 *
 * The interceptors are built on the 1.x OpenTelemetry SDK, the process on 2.x: the sink hands the
 * workflow's spans over in their 2.x shape (`parentSpanContext`, `instrumentationScope`).
 */
import { createRequire } from 'node:module';
import type { SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Sinks } from '@temporalio/workflow';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { Tracing } from '../observability/tracing.js';

/** The workflow-side interceptor module, given to the bundler (`workflowInterceptorModules`) when tracing. */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** What a worker adds when tracing: the activity interceptor and the workflow-span sink. */
export interface WorkerTracing {
  activity: ActivityInterceptorsFactory;
  sinks: InjectedSinks<Sinks>;
}

/** The worker's tracing parts, over the process's `tracing`. */
export async function workerTracing(tracing: Tracing): Promise<WorkerTracing> {
  const otel = await import('@temporalio/interceptors-opentelemetry');
  const sinkProcessor = fromWorkflowSpans(tracing.spanProcessor);
  return {
    activity: (ctx) => ({ inbound: new otel.OpenTelemetryActivityInboundInterceptor(ctx), outbound: new otel.OpenTelemetryActivityOutboundInterceptor(ctx) }),
    // The package types its arguments with its own (1.x) SDK types; the objects are what it expects.
    sinks: { exporter: otel.makeWorkflowExporter(sinkProcessor as never, tracing.resource as never) } as unknown as WorkerTracing['sinks'],
  };
}

/** The client interceptor that carries the caller's trace context into the workflows it starts. */
export async function clientTracingInterceptors(): Promise<WorkflowClientInterceptor[]> {
  const otel = await import('@temporalio/interceptors-opentelemetry');
  return [new otel.OpenTelemetryWorkflowClientInterceptor()];
}

/** A 1.x span as the sink makes it from the sandbox's serialized span. */
type WorkflowSpan = Omit<ReadableSpan, 'parentSpanContext' | 'instrumentationScope'> & { parentSpanId?: string; instrumentationLibrary?: ReadableSpan['instrumentationScope'] };

/** A processor taking the sink's 1.x-shaped spans and passing them to `target` in the 2.x shape. */
function fromWorkflowSpans(target: SpanProcessor): SpanProcessor {
  return {
    onStart: () => undefined,
    onEnd: (span) => {
      const old = span as unknown as WorkflowSpan;
      const own = old.spanContext();
      const parentSpanContext: SpanContext | undefined = old.parentSpanId ? { traceId: own.traceId, spanId: old.parentSpanId, traceFlags: own.traceFlags } : undefined;
      target.onEnd({
        ...old,
        spanContext: () => own,
        parentSpanContext,
        instrumentationScope: old.instrumentationLibrary ?? { name: '@temporalio/interceptor-workflow' },
      } as ReadableSpan);
    },
    forceFlush: () => target.forceFlush(),
    shutdown: async () => undefined, // the process's tracing shuts the target down
  };
}
