/**
 * The withdraw activity: takes back whatever a run delivered, or half-delivered, once the run is
 * cancelled or fails after its export began, so such a run leaves nothing behind: no LOCAL file (nor
 * temporary file) and no report record, no bucket object it wrote, no BigQuery rows of its run.
 * Every step is idempotent (and skips what is already gone), so a retry or a withdraw of a run that
 * delivered nothing is harmless.
 */
import { Context } from '@temporalio/activity';
import { objectLocation } from '../src/domain/export-locations.js';
import type { ReportPeriod, ReportRequest } from '../src/domain/report-request.js';
import type { ActivityDeps } from './deps.js';
import { bigQueryJobId } from './export-to-bigquery.js';
import { deliveredFileName } from './export-to-bucket.js';
import { keepAlive } from './keep-alive.js';

/**
 * The run to withdraw. `fileName`: the rendered file's deterministic name (bucket objects are named
 * after it; without it, as when the render never finished, no bucket object can exist). `period`: the
 * validated period, which bucket object names may contain.
 */
export interface WithdrawInput {
  request: ReportRequest;
  fileName?: string;
  period?: Pick<ReportPeriod, 'fromDate' | 'toDate'>;
}

/** What was taken back, for the log and the tests. */
export interface WithdrawResult {
  /** Bucket objects deleted (`gs://…`, `s3://…`). */
  objects: string[];
  /** BigQuery rows of the run deleted. */
  bigQueryRows: number;
}

/**
 * @throws Error on I/O, database and bucket faults (retried); never for what is already gone.
 */
export function withdrawActivity(deps: Pick<ActivityDeps, 'destination' | 'records' | 'buckets'>) {
  return async function withdrawReport(input: WithdrawInput): Promise<WithdrawResult> {
    const ctx = Context.current();
    // Waiting for an abandoned BigQuery load job can take a while.
    const alive = keepAlive(ctx, 0);
    try {
      return await withdrawAll(deps, input, alive.progress, ctx);
    } finally {
      alive.stop();
    }
  };
}

/**
 * Takes back the request's file in the report store (its LOCAL folder or store object, temporary files
 * included) and its report record; idempotent. The record goes first: once it is gone the API no longer
 * offers a file that is about to disappear. @throws database and I/O faults (retried by the caller's activity).
 */
export async function withdrawFromStore(deps: Pick<ActivityDeps, 'destination' | 'records'>, request: ReportRequest): Promise<void> {
  await deps.records.removeReport(request.tenantId, request.id);
  await deps.destination.withdraw({ tenantId: request.tenantId, reportCode: request.reportCode, requestId: request.id });
}

/** Withdraws each kind of delivery in turn (see the module comment); `progress` heartbeats. */
async function withdrawAll(
  deps: Pick<ActivityDeps, 'destination' | 'records' | 'buckets'>,
  input: WithdrawInput,
  progress: (details: unknown) => void,
  ctx: Context,
): Promise<WithdrawResult> {
  const { request, fileName, period } = input;
  await withdrawFromStore(deps, request);
  const objects: string[] = [];
  let bigQueryRows = 0;
  for (const [index, location] of (request.exportLocations ?? []).entries()) {
    progress(index);
    // Nothing can have been delivered through an integration that is not configured.
    if (!deps.buckets.has(location.integrationId, location.variant)) continue;
    if (location.variant === 'BIGQUERY') {
      bigQueryRows += await (await deps.buckets.bigQuery(location.integrationId)).withdraw({
        datasetId: location.datasetId, table: location.streamName, runId: request.id, jobId: bigQueryJobId(request.id, index),
      });
    } else if (fileName) {
      const { bucket, key } = objectLocation(location, request, deliveredFileName(fileName, location), period, `export_location[${index}]`);
      if (await (await deps.buckets.get(location.integrationId, location.variant)).withdraw({ bucket, key }, request.id)) {
        objects.push(`${location.variant === 'GCS' ? 'gs' : 's3'}://${bucket}/${key}`);
      }
    }
  }
  ctx.log.info('delivered files withdrawn', { requestId: request.id, objects, bigQueryRows });
  return { objects, bigQueryRows };
}
