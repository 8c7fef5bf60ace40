/**
 * The HTTP API's bounds against hostile and unlucky clients, on a real listening server built by the
 * API's own composition root (`startApi`, as `npm run api` runs it) with a Temporal dev server and a
 * real PostgreSQL, and the embedded PGlite server in its own process: request and header timeouts
 * (408 in the one error shape, connection closed), keep-alive, the connection cap (idle and slow
 * connections cannot lock a client out; a full house answers 503 with Retry-After at once), and a
 * database pool that is exhausted or a database that does not answer (503 with Retry-After within
 * the configured bounds instead of long waits). Bounds in assertions are generous: they catch hangs,
 * not speed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { loadConfig } from '../../src/config/settings.js';
import { migrate } from '../../src/data/migrate.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { createLogger } from '../../src/main/logger.js';
import { startApi, type RunningApi } from '../../src/main/api.js';
import { sendRaw, type RawAnswer } from '../helpers/api-client.js';
import { startEmbeddedDbProcess, type EmbeddedDbProcess } from '../helpers/embedded-db.js';
import { freePort } from '../helpers/free-port.js';
import { ERROR_SHAPE_SCHEMA } from '../helpers/openapi-contract.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startTemporalTestServer } from '../helpers/temporal.js';

const KEY = 'limits-test-key';
const DATA_DIR = path.resolve(import.meta.dirname, '../../data');

let temporal: TestWorkflowEnvironment;
let postgres: TestPostgres;
let embedded: EmbeddedDbProcess;

before(async () => {
  [temporal, postgres, embedded] = await Promise.all([startTemporalTestServer(), startTestPostgres(), startEmbeddedDbProcess()]);
  for (const url of [postgres.url, embedded.url]) {
    const db = new PgDatabase({ url });
    await migrate(db, { dataDir: DATA_DIR, seed: false });
    await db.close();
  }
});
after(async () => {
  await embedded?.stop();
  await postgres?.stop();
  await temporal?.teardown();
});

/** Starts the API as `npm run api` does, on a free port, with `env` on top of the test's settings. */
async function startApiWith(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningApi & { port: number }> {
  const port = await freePort();
  const config = loadConfig({
    REPORTFLOW_HOME: path.resolve(import.meta.dirname, '../..'),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    PORT: String(port),
    REPORTFLOW_API_KEYS: `acme:${KEY}`,
    REPORTFLOW_URL_SIGNING_KEY: 'limits-test-url-signing-key',
    REPORTFLOW_RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
  return { ...(await startApi(config, createLogger('api', 'silent'))), port };
}

/** A raw connection: what the server sent, and when it answered and closed it (ms after `opened`). */
interface RawConnection {
  socket: net.Socket;
  opened: number;
  received(): string;
  /** Resolves when the server closes the connection (or it fails), with ms since it was opened. */
  closed: Promise<number>;
}

function connect(port: number, bytes?: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const opened = Date.now();
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - opened)));
    socket.once('error', () => undefined);
    socket.once('connect', () => {
      if (bytes) socket.write(bytes, 'latin1');
      resolve({ socket, opened, received: () => data, closed });
    });
    socket.once('error', reject);
  });
}

/** Parses a raw HTTP answer (status, lower-case headers, body). */
function parseAnswer(raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(raw);
  assert.ok(status && end > 0, `not an HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`);
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(status[1]), headers, text: raw.slice(end + 4) };
}

/** Asserts `text` is the one error shape with `code`. */
function assertError(text: string, code: string): void {
  const body = JSON.parse(text) as { error?: { code?: string } };
  assert.equal(body.error?.code, code, text);
  for (const key of ERROR_SHAPE_SCHEMA.required) assert.ok(key in body, text);
  assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'errors', 'message'], text);
}

const get = (api: { url: string }, p: string) => sendRaw(api.url, { method: 'GET', path: p, headers: { 'x-api-key': KEY } }, false, 20_000);

describe('request and keep-alive timeouts', () => {
  let api: RunningApi & { port: number };
  before(async () => {
    api = await startApiWith(postgres.url, {
      REPORTFLOW_HTTP_HEADERS_TIMEOUT_MS: '1000',
      REPORTFLOW_HTTP_REQUEST_TIMEOUT_MS: '2000',
      REPORTFLOW_HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
    });
  });
  after(() => api?.stop());

  test('a half-sent body is answered 408 REQUEST_TIMEOUT in the error shape, and the connection is closed', async () => {
    const c = await connect(api.port, `POST /v1/reports/search HTTP/1.1\r\nHost: x\r\nX-API-KEY: ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"limit":`);
    const closedAfterMs = await Promise.race([c.closed, sleep(15_000).then(() => -1)]);
    assert.ok(closedAfterMs > 0, `the connection was still open after 15 s; received ${JSON.stringify(c.received())}`);
    const answer = parseAnswer(c.received());
    assert.equal(answer.status, 408);
    assert.equal(answer.headers.connection, 'close');
    assertError(answer.text, 'REQUEST_TIMEOUT');
    // The request timeout (2 s) applies, checked every second: not before it, and not much after.
    assert.ok(closedAfterMs >= 1_900 && closedAfterMs < 8_000, `closed after ${closedAfterMs} ms`);
  });

  test('headers sent too slowly, or none at all, are answered 408 within the headers timeout', async () => {
    const partial = await connect(api.port, 'GET /v1/reports HTTP/1.1\r\nHost: x\r\n');
    const silent = await connect(api.port);
    for (const [what, c] of [['partial headers', partial], ['nothing sent', silent]] as const) {
      const closedAfterMs = await Promise.race([c.closed, sleep(15_000).then(() => -1)]);
      assert.ok(closedAfterMs > 0, `${what}: still open after 15 s`);
      assert.ok(closedAfterMs < 8_000, `${what}: closed after ${closedAfterMs} ms`);
      const answer = parseAnswer(c.received());
      assert.equal(answer.status, 408, what);
      assertError(answer.text, 'REQUEST_TIMEOUT');
    }
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const c = await connect(api.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const closedAfterMs = await Promise.race([c.closed, sleep(15_000).then(() => -1)]);
    assert.match(c.received(), /^HTTP\/1\.1 200 /);
    assert.ok(closedAfterMs > 0 && closedAfterMs < 8_000, `closed after ${closedAfterMs} ms`);
  });
});

describe('connection limit', () => {
  test('idle and slow connections beyond the limit do not lock out a normal client', async () => {
    // Timeouts far longer than the test: only the connection cap can make room.
    const api = await startApiWith(postgres.url, { REPORTFLOW_HTTP_MAX_CONNECTIONS: '10', REPORTFLOW_HTTP_HEADERS_TIMEOUT_MS: '60000', REPORTFLOW_HTTP_REQUEST_TIMEOUT_MS: '60000', REPORTFLOW_HTTP_KEEP_ALIVE_TIMEOUT_MS: '60000' });
    const hostile: RawConnection[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        const kind = i % 3;
        hostile.push(await connect(api.port, kind === 0 ? undefined
          : kind === 1 ? 'GET /v1/reports HTTP/1.1\r\nHost: x\r\n'
            : `POST /v1/reports/search HTTP/1.1\r\nHost: x\r\nX-API-KEY: ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`));
      }
      const started = Date.now();
      const health = await sendRaw(api.url, { method: 'GET', path: '/healthz', headers: {} }, false, 10_000);
      assert.equal(health.status, 200, health.text);
      const reports = await get(api, '/v1/reports');
      assert.equal(reports.status, 200, reports.text);
      assert.ok(Date.now() - started < 5_000, `a normal client waited ${Date.now() - started} ms`);
      await sleep(200);
      const stillOpen = hostile.filter((c) => !c.socket.destroyed && c.socket.readyState === 'open').length;
      assert.ok(stillOpen <= 10, `${stillOpen} hostile connections still open with a limit of 10`);
    } finally {
      for (const c of hostile) c.socket.destroy();
      await api.stop();
    }
  });

  test('when every connection holds a request being served, a new one is answered 503 with Retry-After at once', async () => {
    const api = await startApiWith(postgres.url, { REPORTFLOW_HTTP_MAX_CONNECTIONS: '3', REPORTFLOW_API_DB_QUERY_TIMEOUT_MS: '10000' });
    const locker = new pg.Client(postgres.url);
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE reportflow.reports IN ACCESS EXCLUSIVE MODE');
      const busy = [1, 2, 3].map(() => get(api, '/v1/reports'));
      await waitForLockWaits(locker, 3);
      const started = Date.now();
      const refused = await sendRaw(api.url, { method: 'GET', path: '/healthz', headers: {} }, false, 10_000);
      const tookMs = Date.now() - started;
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.headers['retry-after'], '1');
      assertError(refused.text, 'UNAVAILABLE');
      assert.ok(tookMs < 2_000, `answered after ${tookMs} ms`);
      await locker.query('COMMIT');
      for (const answer of await Promise.all(busy)) assert.equal(answer.status, 200, answer.text);
    } finally {
      await locker.end();
      await api.stop();
    }
  });
});

describe('database pool exhausted or database not answering: 503 with Retry-After, fast', () => {
  /**
   * Holds the database from outside while the API serves `/v1/reports`: on PostgreSQL a lock on the
   * reports table (the API's statements wait for it); on PGlite an open transaction (every other
   * connection's statements wait for the one session).
   */
  const engines = [
    { name: 'PostgreSQL', url: () => postgres.url, hold: 'BEGIN; LOCK TABLE reportflow.reports IN ACCESS EXCLUSIVE MODE' },
    { name: 'embedded PGlite', url: () => embedded.url, hold: 'BEGIN; SELECT count(*) FROM reportflow.reports' },
  ];
  for (const engine of engines) {
    test(`on ${engine.name}`, async () => {
      const api = await startApiWith(engine.url(), { REPORTFLOW_API_DB_POOL_SIZE: '2', REPORTFLOW_API_DB_CONNECT_TIMEOUT_MS: '1000', REPORTFLOW_API_DB_QUERY_TIMEOUT_MS: '2000' });
      const holder = new pg.Client(engine.url());
      await holder.connect();
      try {
        assert.equal((await get(api, '/v1/reports')).status, 200, 'served before the database is held');
        await holder.query(engine.hold);
        // Two requests take both pooled connections and wait on the database; six more (reports and
        // subscriptions, whose stores share the pool) find none free.
        const timed = async (p = '/v1/reports') => {
          const started = Date.now();
          const answer = await get(api, p);
          return { answer, tookMs: Date.now() - started };
        };
        const holding = [timed(), timed()];
        await sleep(300);
        const waiting = await Promise.all(Array.from({ length: 6 }, (_, i) => timed(i % 2 ? '/v1/report-subscriptions' : '/v1/reports')));
        for (const { answer, tookMs } of [...waiting, ...(await Promise.all(holding))]) {
          assert.equal(answer.status, 503, answer.text);
          assert.equal(answer.headers['retry-after'], '1');
          assertError(answer.text, 'UNAVAILABLE');
          // Connect timeout 1 s, statement timeout 2 s (+ the client's margin): never the old 10–20 s.
          assert.ok(tookMs < 5_000, `answered after ${tookMs} ms`);
        }
        assert.ok(waiting.every((w) => w.tookMs < 2_500), `requests without a connection waited ${waiting.map((w) => w.tookMs).join(', ')} ms`);
        await holder.query('COMMIT');
        assert.equal((await get(api, '/v1/reports')).status, 200, 'served again once the database is free');
      } finally {
        await holder.end();
        await api.stop();
      }
    });
  }
});

/** Waits until `n` statements of the API wait for a lock (PostgreSQL). */
async function waitForLockWaits(client: pg.Client, n: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(50)) {
    // Activity statistics are a snapshot per transaction, and the caller may be inside one.
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'reportflow-api' AND wait_event_type = 'Lock'");
    if (rows[0]!.n >= n) return;
  }
  throw new Error(`fewer than ${n} API statements waited for the lock within 10 s`);
}
