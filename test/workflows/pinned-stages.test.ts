/**
 * Worker-pinned data stages on a real Temporal dev server: two workers on one task queue, each with its
 * own staging directory (nothing on disk shared but the report store), as on two machines. A run's
 * render, export and staging cleanup run on the worker whose query staged its rows; when that worker
 * shuts down mid-render, the run starts its data stages over on the other worker and succeeds.
 *
 * The pinned stages' schedule-to-start timeout is 2 s here so the test takes seconds; production uses
 * `REPORTFLOW_PINNED_STAGE_START_TIMEOUT_MS` (60 s by default, see README "Scaling out").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities, type ReportActivities } from '../../activities/index.js';
import { loadConfig, type Config } from '../../src/config/settings.js';
import { BucketDestinations } from '../../src/destinations/bucket-destinations.js';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import type { RunState } from '../../src/domain/run-status.js';
import type { RenderInput } from '../../src/render/renderer.js';
import { HttpWebhookNotifier } from '../../src/notifiers/http-webhook-notifier.js';
import { SmtpMailer } from '../../src/notifiers/smtp-mailer.js';
import { LocalStaging } from '../../src/staging/local-staging.js';
import { createReportWorker, createStagingWorker, stagingWorkerQueue } from '../../src/temporal/worker.js';
import type { generateReport } from '../../workflows/generate-report.js';
import { GENERATE_REPORT_WORKFLOW } from '../../workflows/messages.js';
import { MemoryRecordStore } from '../helpers/memory-record-store.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { pollUntil } from '../helpers/within.js';
import { FakeDatabase, invoiceCatalog, StubRenderer, stubRenderers } from './fakes.js';
import { invoiceRequest } from './harness.js';

const temporal = useTemporalTestServer();
const START_TIMEOUT_MS = 2000;

/** One activity attempt as a worker saw it. */
interface Seen {
  worker: string;
  activity: string;
  requestId: string | undefined;
}

/** A renderer that, while `block` is set, heartbeats until its activity is cancelled (as on a shutdown). */
class BlockingRenderer extends StubRenderer {
  block = false;

  override async render(input: RenderInput): Promise<{ pages?: number }> {
    this.renders++;
    while (this.block && !input.signal.aborted) {
      input.onProgress(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (input.signal.aborted) throw new Error('Protocol error: Target closed');
    this.renders--;
    return super.render(input);
  }
}

/** One worker process of the fleet: its shared-queue worker and its staging worker, its own staging dir. */
interface Member {
  name: string;
  renderer: BlockingRenderer;
  stagingDir: string;
  /** Stops both workers (graceful shutdown) and waits for them. */
  stop(): Promise<void>;
}

/** The id of the run an activity's arguments belong to. */
function requestIdOf(args: unknown[]): string | undefined {
  const [first] = args;
  if (typeof first === 'string') return first;
  const o = first as { id?: string; request?: { id?: string } } | undefined;
  return o?.request?.id ?? o?.id;
}

/** Runs `fn` with two workers on one fresh task queue, recording which worker ran each activity attempt. */
async function withFleet(fn: (fleet: { members: Member[]; seen: Seen[]; config: Config }) => Promise<void>): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'reportflow-pinned-'));
  const config: Config = { ...loadConfig({}), home: root, taskQueue: `test-${randomUUID()}`, queryBatchRows: 2 };
  // The report store every worker writes to (a bucket in production; a directory is enough here).
  const store = new LocalDestination(path.join(root, 'store'));
  const records = new MemoryRecordStore();
  const seen: Seen[] = [];
  const members: Member[] = [];
  const running: Promise<unknown>[] = [];
  for (const name of ['A', 'B']) {
    const stagingDir = path.join(root, name, 'staging');
    const renderer = new BlockingRenderer();
    const stagingQueue = stagingWorkerQueue(config.taskQueue);
    const activities = createActivities({
      config: { ...config, stagingDir },
      catalog: invoiceCatalog(),
      db: new FakeDatabase(),
      staging: new LocalStaging(stagingDir),
      stagingWorker: { taskQueue: stagingQueue, startTimeoutMs: START_TIMEOUT_MS },
      renderers: stubRenderers(renderer),
      destination: store,
      buckets: new BucketDestinations(new Map(), 600),
      notifier: new HttpWebhookNotifier({ timeoutMs: 2000 }),
      mailer: new SmtpMailer({ url: undefined, from: config.mailFrom }),
      records,
      logger: pino({ level: 'silent' }),
    });
    const watched = Object.fromEntries(Object.entries(activities).map(([activity, impl]) => [
      activity,
      (...args: unknown[]) => {
        seen.push({ worker: name, activity, requestId: requestIdOf(args) });
        return (impl as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ])) as ReportActivities;
    // Heartbeats (and so cancellations) within 200 ms; a shutdown cancels running activities after 500 ms.
    // The SDK refuses two workers of one task queue in one process unless their deployment versions differ;
    // without worker versioning the version only names the worker, it does not route tasks.
    const overrides = {
      maxHeartbeatThrottleInterval: '200 ms',
      shutdownGraceTime: '500 ms',
      workerDeploymentOptions: { version: { deploymentName: 'pinned-stages-test', buildId: name }, useWorkerVersioning: false },
    } as const;
    const workers: Worker[] = [
      await createReportWorker({ config, activities: watched, connection: temporal.env.nativeConnection, workflowBundle: temporal.bundle, overrides }),
      await createStagingWorker({ config, activities: watched, connection: temporal.env.nativeConnection, taskQueue: stagingQueue, overrides }),
    ];
    const runs = workers.map((w) => w.run());
    running.push(...runs);
    members.push({
      name, renderer, stagingDir,
      async stop() {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await Promise.allSettled(runs);
      },
    });
  }
  try {
    await fn({ members, seen, config });
  } finally {
    await Promise.all(members.map((m) => m.stop()));
    await Promise.allSettled(running);
    await rm(root, { recursive: true, force: true });
  }
}

/** Starts a run of invoice 536365 as CSV on the fleet's task queue. */
function start(config: Config) {
  const request = invoiceRequest();
  return temporal.env.client.workflow.start<typeof generateReport>(GENERATE_REPORT_WORKFLOW, { taskQueue: config.taskQueue, workflowId: request.id, args: [request] });
}

/** The data stages: every activity that reads or writes the run's staging. */
const DATA_STAGES = ['queryData', 'renderReport', 'exportReport', 'cleanupStaging'];

/** Which worker ran each attempt of each data stage of run `id`, in order. */
function stagesOf(seen: Seen[], id: string): { activity: string; worker: string }[] {
  return seen.filter((s) => s.requestId === id && DATA_STAGES.includes(s.activity)).map(({ activity, worker }) => ({ activity, worker }));
}

void test('every data stage of a run executes on the worker whose query staged its rows, and its staging is removed there', { timeout: 120_000 }, async (t) => {
  await withFleet(async ({ members, seen, config }) => {
    const handles = await Promise.all(Array.from({ length: 8 }, () => start(config)));
    const results: RunState[] = await Promise.all(handles.map((h) => h.result()));
    for (const [i, handle] of handles.entries()) {
      assert.equal(results[i]!.status, 'SUCCEEDED', handle.workflowId);
      const stages = stagesOf(seen, handle.workflowId);
      assert.deepEqual(stages.map((s) => s.activity), DATA_STAGES, `${handle.workflowId}: one attempt of each stage`);
      const [query] = stages;
      assert.deepEqual(stages.filter((s) => s.worker !== query!.worker), [], `${handle.workflowId}: every stage on worker ${query!.worker}`);
    }
    for (const m of members) assert.deepEqual(await readdir(m.stagingDir).catch(() => []), [], `worker ${m.name} left no staging`);
    const queries = seen.filter((s) => s.activity === 'queryData');
    t.diagnostic(`queries per worker: ${members.map((m) => `${m.name} ${queries.filter((q) => q.worker === m.name).length}`).join(', ')}`);
  });
});

void test('when the worker holding a run\'s staged rows shuts down mid-render, the run starts over on the other worker and succeeds', { timeout: 120_000 }, async () => {
  await withFleet(async ({ members, seen, config }) => {
    for (const m of members) m.renderer.block = true;
    const handle = await start(config);
    const pinned = await pollUntil(20_000, 'a render on one worker', () => members.find((m) => m.renderer.renders > 0), 50);
    const other = members.find((m) => m !== pinned)!;
    other.renderer.block = false;
    const startedMs = Date.now();
    await pinned.stop();

    const result: RunState = await handle.result();
    assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
    const stages = stagesOf(seen, handle.workflowId);
    const firstStart = stages.slice(0, 2);
    assert.deepEqual(firstStart, [{ activity: 'queryData', worker: pinned.name }, { activity: 'renderReport', worker: pinned.name }], 'the first start: query and the render that was cut off');
    // The render attempts the shutdown cut off may be retried on the pinned worker before it stopped polling;
    // the restart is everything from the next query on.
    const restart = stages.slice(stages.findIndex((s, i) => i > 0 && s.activity === 'queryData'));
    assert.deepEqual(restart, DATA_STAGES.map((activity) => ({ activity, worker: other.name })), 'the restart ran every data stage on the live worker');
    assert.equal(result.report?.rows, 5);
    assert.deepEqual(await readdir(other.stagingDir).catch(() => []), [], 'the live worker removed its staging');
    // Generous: only catches a hang (the restart waits one schedule-to-start timeout, twice for the cleanup).
    assert.ok(Date.now() - startedMs < 60_000, `recovered in ${Date.now() - startedMs} ms`);
  });
});
