/**
 * Temporal's floor under reportflow's figures: the cost of the least durable, visible run
 * (./floor-workflow.ts: two search-attribute upserts and one local activity) on the Temporal server the
 * benchmark's service runs, started by a client and run by a worker in the benchmark's own process, so
 * every CPU ms it takes besides the server's is the benchmark process's. An invoice run pays this at
 * least, besides its render; `npm run bench -- --peers` prints it beside the peers.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { cpuWindow, CPU_PARTS, type ServicePids } from '../lib/process-cpu.js';
import { measure, type MeasureOptions, type Summary } from '../lib/stats.js';
import type { FloorActivities } from './floor-workflow.js';

/** What the floor measurement gives: the runs' summary and CPU ms per run. */
export interface FloorFigure {
  summary: Summary;
  /** CPU ms per run of the Temporal server (its process and children). */
  serverMs: number;
  /** CPU ms per run of the benchmark's process: the client that starts and awaits the runs, and the worker. */
  clientAndWorkerMs: number;
  /** CPU ms per run of every process on the machine. */
  allMs: number;
  /** The task queue the runs went to; run `i` (counted from 0, warm-up first) has workflow id `<taskQueue>-<i>`. */
  taskQueue: string;
}

/** Where the service's Temporal server is. */
export interface FloorTarget {
  /** `host:port` of its frontend. */
  address: string;
  namespace: string;
  /** The service's processes (the server's PID is the one read). */
  pids: ServicePids;
}

/**
 * Runs `options.warmup + options.runs` floor workflows, `options.concurrency` at a time, each timed from
 * its start to its result, on a task queue of its own; the CPU is read over the measured runs only.
 * @throws Error when the server cannot be reached or a run fails.
 */
export async function measureTemporalFloor(target: FloorTarget, options: Omit<MeasureOptions, 'observe'>): Promise<FloorFigure> {
  quietRuntime();
  const workflowsPath = fileURLToPath(new URL('./floor-workflow.ts', import.meta.url));
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  const taskQueue = `bench-floor-${randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address: target.address });
  const connection = await Connection.connect({ address: target.address });
  const activities: FloorActivities = { work: async (id) => id };
  const worker = await Worker.create({ connection: nativeConnection, namespace: target.namespace, taskQueue, workflowBundle, activities });
  const running = worker.run();
  try {
    const client = new Client({ connection, namespace: target.namespace });
    const cpu = cpuWindow(target.pids);
    const summary = await measure({ ...options, observe: cpu }, async (i) => {
      const id = await client.workflow.execute('floorRun', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [String(i)] });
      if (id !== String(i)) throw new Error(`floor run ${i} returned ${id}`);
    });
    const shares = cpu.shares();
    const msOf = (part: string) => shares.find((s) => s.part === part)?.ms ?? 0;
    return {
      summary,
      serverMs: msOf(CPU_PARTS.temporal) / options.runs,
      clientAndWorkerMs: msOf(CPU_PARTS.bench) / options.runs,
      allMs: shares.reduce((sum, s) => sum + s.ms, 0) / options.runs,
      taskQueue,
    };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
  }
}

/** The SDK's own logging kept to errors (its worker lifecycle lines would interleave with the benchmark's). */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Installed already (an earlier measurement in this process).
  }
}
