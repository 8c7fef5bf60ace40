/**
 * Where a run's time goes: starts the service as `npm run bench` does, runs the full INVOICE_LINES CSV
 * (or, with `--invoice`, the one-page invoice PDF) `--runs` times (3) after one warm-up run, and prints
 * for each run the ms from POST to webhook, then each activity of its workflow history: when it was
 * scheduled (ms after the workflow started) and how long it took from scheduled to completed (ms). For
 * the CSV it also runs PostgreSQL's own COPY of the same rows into a file right after each run (the
 * peer of `npm run bench -- --peers`, bench/peers/pg-copy.ts), so each run has its ratio beside a COPY
 * measured under the same load. Local activities (validation, an inline run's stages, record writes)
 * leave markers, not activity events, and are not listed.
 *
 *   DATABASE_URL=postgres://reportflow:reportflow@127.0.0.1:5432/bench node --import tsx bench/run-timeline.ts [--runs N] [--invoice]
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ApiClient } from '../test/helpers/api-client.js';
import { startBenchService } from './lib/bench-service.js';
import { startWebhookReceiver } from './lib/webhook-receiver.js';
import { copyFullCsv } from './peers/pg-copy.js';
import { ensurePeersInstalled } from './peers/install.js';
import { fullCsvRequest, invoiceRequest, timeRun } from './reportflow-runs.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' }, invoice: { type: 'boolean', default: false } } });
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
const databaseUrl = process.env.DATABASE_URL;
const csv = !args.invoice;
if (csv && !databaseUrl) throw new Error('the CSV timeline compares with PostgreSQL\'s COPY: set DATABASE_URL');
if (csv) ensurePeersInstalled((line) => console.log(line));

const service = await startBenchService(databaseUrl);
const hook = await startWebhookReceiver();
const connection = await Connection.connect({ address: service.temporalAddress });
const client = new Client({ connection });
try {
  const api = new ApiClient(service.apiUrl, service.apiKey);
  const body = csv ? fullCsvRequest() : invoiceRequest('536365');
  await timeRun(api, hook, body);
  for (let i = 1; i <= runs; i++) {
    const { id, ms } = await timeRun(api, hook, body);
    let line = `run ${i} (${id}): POST → webhook ${ms.toFixed(0)} ms`;
    if (csv) {
      const copy = await copyFullCsv(databaseUrl!);
      line += `; PostgreSQL COPY into a file ${copy.ms.toFixed(0)} ms; ratio ${(ms / copy.ms).toFixed(2)} ×`;
    }
    console.log(line);
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    console.log(`  ${activityTimes(events).join(' | ')}`);
  }
} finally {
  await connection.close();
  hook.close();
  await service.stop();
}

/** `name @<scheduled, ms after the first event> <scheduled → completed> ms` for each completed activity, and the end. */
function activityTimes(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  const at = (e: temporal.api.history.v1.IHistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const start = events[0] ? at(events[0]) : 0;
  const scheduled = new Map<string, { name: string; ms: number }>();
  const out: string[] = [];
  for (const e of events) {
    const attrs = e.activityTaskScheduledEventAttributes;
    if (attrs) scheduled.set(String(e.eventId), { name: attrs.activityType?.name ?? '?', ms: at(e) });
    const done = e.activityTaskCompletedEventAttributes;
    const s = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
    if (s) out.push(`${s.name} @${(s.ms - start).toFixed(0)} ${(at(e) - s.ms).toFixed(0)} ms`);
  }
  const last = events.at(-1);
  if (last) out.push(`end @${(at(last) - start).toFixed(0)}`);
  return out;
}
