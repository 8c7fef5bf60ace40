/**
 * The benchmark's own arithmetic (bench/): the load generator keeps the concurrency it is asked for and
 * leaves the warm-up out of the figures, percentiles are nearest-rank, the goals table judges each
 * ratio against its target (and says when a figure was not measured rather than guess), and the COPY
 * peer exports the very query the report runs, with its parameters written in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { goalRows, type Figures } from '../../bench/goals.js';
import { measure, percentile, summarise } from '../../bench/lib/stats.js';
import { latencyCell } from '../../bench/lib/table.js';
import { idleRss } from '../../bench/lib/worker-memory.js';
import { fullCsvSql } from '../../bench/peers/pg-copy.js';

test('measure runs warm-up then measured operations, never more than `concurrency` at once, and counts only the measured ones', async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  const summary = await measure({ concurrency: 3, warmup: 4, runs: 9 }, async (i) => {
    seen.push(i);
    most = Math.max(most, ++inFlight);
    await sleep(20);
    inFlight--;
  });
  assert.equal(most, 3);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 13 }, (_, i) => i));
  assert.equal(summary.runs, 9);
  assert.equal(summary.concurrency, 3);
  // 9 operations of ≥ 20 ms, 3 at a time: at least 3 rounds, so at most 9 / 0.06 s = 150 a second.
  assert.ok(summary.wallMs >= 55 && summary.perSecond <= 9 / 0.055, JSON.stringify(summary));
  assert.ok(summary.p50Ms >= 19 && summary.maxMs >= summary.p95Ms && summary.p95Ms >= summary.p50Ms, JSON.stringify(summary));
});

test('measure fails with the first error an operation throws', async () => {
  await assert.rejects(measure({ concurrency: 2, warmup: 0, runs: 4 }, async (i) => {
    if (i === 2) throw new Error('render 2 failed');
  }), /render 2 failed/);
});

test('percentiles are nearest-rank: p50 of 1…10 is 5, p95 is 10; throughput is runs over wall time', () => {
  const values = Array.from({ length: 10 }, (_, i) => i + 1);
  assert.deepEqual([percentile(values, 50), percentile(values, 95), percentile(values, 100)], [5, 10, 10]);
  assert.deepEqual(summarise(8, [30, 10, 20, 40], 2000), { concurrency: 8, runs: 4, wallMs: 2000, perSecond: 2, p50Ms: 20, p95Ms: 40, maxMs: 40 });
});

test('a latency cell is p50 / p95 / max in whole ms, and dashes when nothing was measured', () => {
  assert.equal(latencyCell([40.4, 10.6, 20, 30]), '20 / 40 / 40 ms');
  assert.equal(latencyCell([]), '– / – / – ms');
});

const at = (concurrency: number, perSecond: number, p50Ms: number) => ({ concurrency, runs: 10, wallMs: 1000, perSecond, p50Ms, p95Ms: p50Ms, maxMs: p50Ms });

test('the goals table judges each ratio against its target and says which figures were not measured', () => {
  const figures: Figures = {
    reportflow: { c1: at(1, 5, 150), c8: at(8, 9, 600), csvMs: 15_000, rssIdleBytes: 250e6, rssPeakBytes: 350e6 + 1 },
    jsreport: { c1: at(1, 4, 151), c8: at(8, 3, 2000) },
    puppeteerReuse: { c8: at(8, 20, 300) },
    copyMs: 10_000,
    copyOnPostgres: true,
  };
  assert.deepEqual(goalRows(figures).map(([goal, measured, , verdict]) => [goal.split(' ')[0] + ' ' + measured, verdict]), [
    ['invoice 3.00 ×', 'met'],
    ['invoice 0.45 ×', 'NOT met'],
    ['invoice 0.99 ×', 'met'],
    ['invoice 150 ms', 'met'],
    ['full 1.50 ×', 'met'],
    ['worker 250 MB', 'met'],
    ['worker 350 MB', 'NOT met'],
  ]);
  const alone = goalRows({ reportflow: figures.reportflow, copyOnPostgres: false });
  assert.deepEqual(alone.filter(([, measured]) => measured.startsWith('needs')).length, 4);
  const embedded = goalRows({ ...figures, copyOnPostgres: false }).find(([goal]) => goal.startsWith('full CSV'))!;
  assert.deepEqual(embedded.slice(1), ['1.50 ×', '≤ 1.5', 'goal is on PostgreSQL']);
});

test('the COPY peer exports the INVOICE_LINES query with the full period written in as literals', () => {
  const sql = fullCsvSql(new pg.Client());
  assert.doesNotMatch(sql, /\$\d/);
  assert.match(sql, /FROM retail\.invoice_line/);
  // The whole data set in Europe/London: from 1 Dec 2010 00:00 GMT to 1 Jan 2012 00:00 GMT (half-open).
  assert.match(sql, /invoice_date >= '2010-12-01T00:00:00\.000\+00:00'::timestamptz/);
  assert.match(sql, /invoice_date < '2012-01-01T00:00:00\.000\+00:00'::timestamptz/);
  assert.match(sql, /\(NULL::int IS NULL OR customer_id = NULL::int\)/);
  assert.match(sql, /ORDER BY invoice_date, line_no/);
});

void test('idle RSS: the first sample and the one at the end of the idle span, however flat the samples between', async () => {
  const samples = (values: number[]) => {
    let i = 0;
    return () => values[i++]! * 1e6;
  };
  // As measured: flat from 5 to 10 s, then V8's memory reducer gives back ~50 MB.
  const idle = await idleRss(1, { everyMs: 1, forMs: 6, read: samples([286, 285, 237, 237, 237, 238]) });
  assert.deepEqual(idle, { firstBytes: 286e6, lastBytes: 238e6 });
  assert.deepEqual(await idleRss(1, { everyMs: 5, forMs: 1, read: samples([300]) }), { firstBytes: 300e6, lastBytes: 300e6 });
});
