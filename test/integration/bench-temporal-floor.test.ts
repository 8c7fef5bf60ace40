/**
 * The benchmark's Temporal floor (bench/temporal-floor/) on a real dev server: every run completes, each is
 * the workflow it claims to be (two search-attribute upserts and one local activity, one workflow task),
 * and the CPU it reports is the benchmark process's own, per run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureTemporalFloor } from '../../bench/temporal-floor/measure.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const temporal = useTemporalTestServer();

void test('the Temporal floor runs its workflows to their result and reports CPU per run', async () => {
  const cpuBefore = process.cpuUsage();
  const figure = await measureTemporalFloor(
    { address: temporal.env.address, namespace: 'default', pids: { worker: process.ppid, bench: process.pid } },
    { concurrency: 4, warmup: 4, runs: 20 },
  );
  const cpu = process.cpuUsage(cpuBefore);
  assert.equal(figure.summary.runs, 20);
  assert.ok(figure.summary.perSecond > 0);
  // This process starts the runs and hosts their worker: its share per run is what it spent over the
  // measured runs, never more than it spent in all.
  assert.ok(figure.clientAndWorkerMs > 0 && figure.clientAndWorkerMs * 20 <= (cpu.user + cpu.system) / 1000 + 10, `${figure.clientAndWorkerMs} ms per run`);
  assert.ok(figure.allMs >= figure.clientAndWorkerMs);

  for (const i of [0, 23]) {
    const handle = temporal.env.client.workflow.getHandle(`${figure.taskQueue}-${i}`);
    assert.equal(await handle.result(), String(i));
    const events = (await handle.fetchHistory()).events ?? [];
    const upserts = events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
    const localActivities = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
    const tasks = events.filter((e) => e.workflowTaskCompletedEventAttributes).length;
    assert.deepEqual({ upserts, localActivities, tasks, activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length }, { upserts: 2, localActivities: 1, tasks: 1, activities: 0 });
  }
});
