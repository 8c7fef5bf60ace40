/**
 * Runs the `reportflow` CLI in-process, capturing its output and exit code, against either the real
 * HTTP API (fakes behind it, see api-fixture.ts) or a small fake HTTP server that records every
 * request exactly as sent and answers as the test scripts it (for endpoints whose shapes are agreed
 * but that the test should not depend on).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/index.js';
import { loadConfig } from '../../src/config/settings.js';
import { KEYS, startTestApi, type TestApi } from './api-fixture.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  api: TestApi;
  url: string;
  /** A temp directory used as REPORTFLOW_HOME (and for downloads). */
  home: string;
  /** Runs `reportflow <argv>` with tenant acme's key in REPORTFLOW_API_KEY unless `env` says otherwise. */
  run(argv: string[], env?: Record<string, string>): Promise<CliResult>;
  close(): Promise<void>;
}

/** Runs `reportflow <argv>` in-process with settings from `env` (REPORTFLOW_*). */
async function runWith(argv: string[], env: Record<string, string>): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, config: loadConfig(env) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** The CLI against the real API (fakes behind it) on a free port. */
export async function startCliHarness(): Promise<CliHarness> {
  const api = await startTestApi();
  const url = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const home = mkdtempSync(path.join(tmpdir(), 'reportflow-cli-'));
  return {
    api,
    url,
    home,
    run: (argv, env = {}) => runWith(argv, { REPORTFLOW_HOME: home, REPORTFLOW_API_URL: url, REPORTFLOW_API_KEY: KEYS.acme, ...env }),
    async close() {
      await api.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One request the fake API received, as sent. */
export interface RecordedRequest {
  method: string;
  /** The path without the query, e.g. `/v1/reports`. */
  path: string;
  /** The raw query after `?` (`''` when none), in the order the CLI wrote it. */
  search: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON; undefined when there was none. */
  body: unknown;
}

/** What the fake API answers: a status, a JSON body (none when undefined) and extra headers. */
export interface FakeAnswer {
  status: number;
  body?: unknown;
  /** A raw text body instead of JSON (e.g. a proxy's HTML error page). */
  text?: string;
  headers?: Record<string, string>;
}

/** The API key the fake API's CLI runs send. */
export const FAKE_API_KEY = 'fake-api-key';

export interface FakeApiCli {
  url: string;
  /** Every request received since the last `reset()`, in order. */
  requests: RecordedRequest[];
  /**
   * Answers `route` (`'GET /v1/reports'`: method and path, no query) with `answer`, or with what
   * `answer(request)` returns. A route not set answers 404 NOT_FOUND in the API's error shape.
   */
  on(route: string, answer: FakeAnswer | ((request: RecordedRequest) => FakeAnswer)): void;
  /** Forgets the routes and the recorded requests. */
  reset(): void;
  /** Runs `reportflow <argv>` against the fake API with key `FAKE_API_KEY`. */
  run(argv: string[], env?: Record<string, string>): Promise<CliResult>;
  close(): Promise<void>;
}

/** Starts the fake API on a free loopback port. */
export async function startFakeApiCli(): Promise<FakeApiCli> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, FakeAnswer | ((request: RecordedRequest) => FakeAnswer)>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const [pathname = '', search = ''] = (req.url ?? '').split(/\?(.*)/s);
      const recorded: RecordedRequest = { method: req.method ?? '', path: pathname, search, headers: req.headers, body: raw ? (JSON.parse(raw) as unknown) : undefined };
      requests.push(recorded);
      const route = routes.get(`${recorded.method} ${recorded.path}`);
      const answer = typeof route === 'function' ? route(recorded) : route ?? { status: 404, body: { error: { code: 'NOT_FOUND', message: `No route ${recorded.method} ${recorded.path}.`, errors: [] } } };
      const text = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
      res.writeHead(answer.status, { ...(answer.text === undefined && answer.body !== undefined ? { 'content-type': 'application/json' } : {}), ...answer.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const home = mkdtempSync(path.join(tmpdir(), 'reportflow-cli-fake-'));
  return {
    url,
    requests,
    on: (route, answer) => void routes.set(route, answer),
    reset() {
      routes.clear();
      requests.length = 0;
    },
    run: (argv, env = {}) => runWith(argv, { REPORTFLOW_HOME: home, REPORTFLOW_API_URL: url, REPORTFLOW_API_KEY: FAKE_API_KEY, ...env }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
