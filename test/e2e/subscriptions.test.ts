/**
 * Subscriptions end to end, as a user runs them: `npm start` (src/main/start.ts) on free ports, the
 * HTTP API with the generated key, the embedded database with the shipped Online Retail data, and
 * the Temporal Schedule checked with the Temporal client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { ApiClient } from '../helpers/api-client.js';
import { startService, type RunningService } from '../helpers/service.js';

describe('report subscriptions through npm start', { timeout: 900_000 }, () => {
  let service: RunningService;
  let api: ApiClient;
  let sql: pg.Client;
  let connection: Connection;
  let temporal: Client;

  before(async () => {
    service = await startService();
    api = new ApiClient(service.apiUrl, service.apiKey);
    sql = new pg.Client(service.databaseUrl);
    await sql.connect();
    connection = await Connection.connect({ address: service.temporalAddress });
    temporal = new Client({ connection });
  });

  after(async () => {
    await connection?.close();
    await sql?.end();
    const code = await service?.stop();
    assert.equal(code, 0, 'one SIGINT stops everything cleanly with exit code 0');
  });

  test('a WEEKLY subscription run for an explicit past week reports exactly that week\'s rows; pause and delete reach its Temporal Schedule', async () => {
    const created = await api.post('/v1/report-subscriptions', {
      report_code: 'INVOICE_LINES', format: 'CSV', language: 'en', timezone: 'Europe/London', name: 'Weekly lines',
      schedule: { frequency: 'WEEKLY', time_of_day: '06:00', day_of_week: 'MONDAY' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    assert.equal(created.body.summary, 'WEEKLY on MONDAY at 06:00 Europe/London');
    const schedule = temporal.schedule.getHandle(String(created.body.schedule_id));
    const described = await schedule.describe();
    assert.deepEqual([described.state.paused, described.spec.timezone], [false, 'Europe/London']);

    // The ISO week of 21 March 2011, whose Sunday the clocks went forward: 167 hours, [from, to) with offsets.
    const triggered = await api.post(`/v1/report-subscriptions/${id}/trigger`, { from: '2011-03-21', to: '2011-03-28' });
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    const period = triggered.body.period as { from: string; to: string; from_date: string; to_date: string };
    assert.deepEqual(period, { from: '2011-03-21T00:00:00.000+00:00', to: '2011-03-28T00:00:00.000+01:00', from_date: '2011-03-21', to_date: '2011-03-27' });
    const runId = String(triggered.body.run_id);
    assert.equal(runId, `${id}:2011-03-21`);

    // The trigger answers once Temporal accepted the subscription's run; the report run it starts is
    // known to the API a moment later.
    for (let i = 0; i < 240 && (await api.get(`/v1/report-generate-requests/${runId}`)).status === 404; i++) await new Promise((r) => setTimeout(r, 250));
    const { final } = await api.waitForRun(runId, { timeoutMs: 300_000, intervalMs: 250 });
    assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
    const file = await api.download(`/v1/reports/${runId}/download`);
    assert.equal(file.status, 200);
    const rows = parse(file.bytes, { columns: true, bom: true }) as Record<string, string>[];
    const { rows: counted } = await sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM retail.invoice_line WHERE invoice_date >= $1 AND invoice_date < $2', [period.from, period.to]);
    assert.ok(rows.length > 0);
    assert.equal(rows.length, counted[0]!.n, 'every line of the week, and no other');
    for (const row of rows) {
      const at = Date.parse(row.invoice_date!);
      assert.ok(at >= Date.parse(period.from) && at < Date.parse(period.to), `${row.invoice_date} in [${period.from}, ${period.to})`);
    }
    assert.equal((final.report as Record<string, unknown>).rows, rows.length);

    const shown = await api.get(`/v1/report-subscriptions/${id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.missed_periods, [], 'a subscription created now has missed nothing');

    // A backfill (its range kept on the schedule under the embedded database's lock) runs the one
    // Monday in it, years late, for the week before that Monday.
    const backfilled = await api.post(`/v1/report-subscriptions/${id}/backfill`, { from: '2011-03-14', to: '2011-03-21' });
    assert.deepEqual([backfilled.status, backfilled.body.runs], [202, 1], JSON.stringify(backfilled.body));
    const backfillRun = `${id}:2011-03-07`;
    for (let i = 0; i < 240 && (await api.get(`/v1/report-generate-requests/${backfillRun}`)).status === 404; i++) await new Promise((r) => setTimeout(r, 250));
    const late = await api.waitForRun(backfillRun, { timeoutMs: 300_000, intervalMs: 250 });
    assert.equal(late.final.status, 'SUCCEEDED', JSON.stringify(late.final));

    const paused = await api.post(`/v1/report-subscriptions/${id}/pause`, { note: 'end of quarter' });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.deepEqual([paused.body.active, paused.body.paused_reason], [false, 'end of quarter']);
    const afterPause = await schedule.describe();
    assert.deepEqual([afterPause.state.paused, afterPause.state.note], [true, 'end of quarter']);
    const { rows: spans } = await sql.query<{ open: number }>(
      'SELECT count(*) FILTER (WHERE active_to IS NULL)::int AS open FROM reportflow.subscription_spans WHERE subscription_id = $1', [id]);
    assert.equal(spans[0]!.open, 0, 'paused: no active span, so nothing is missed while paused');

    const deleted = await fetch(`${service.apiUrl}/v1/report-subscriptions/${id}`, { method: 'DELETE', headers: { 'x-api-key': service.apiKey } });
    assert.equal(deleted.status, 204);
    await assert.rejects(schedule.describe(), ScheduleNotFoundError);
    assert.equal((await api.get(`/v1/report-subscriptions/${id}`)).status, 404);
  });
});
