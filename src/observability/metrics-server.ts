/**
 * A worker's Prometheus endpoint: one `GET /metrics` with reportflow's own metrics (prom-client) and
 * the Temporal SDK's worker metrics (task-queue poll latency, schedule-to-start, sticky cache …).
 *
 * The SDK's metrics live in its Rust Core, which can only export them itself (a Prometheus server
 * on its own address, or OTLP). Rather than give operators two scrape targets per worker, Core's
 * exporter listens on a free loopback port that nothing else sees, and this endpoint appends its
 * text to ours at each scrape: one target, one port setting. Their names do not collide (Core's
 * all start with `temporal_`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** How long a scrape waits for Core's exporter, in ms. */
const CORE_TIMEOUT_MS = 2_000;

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  registry: Registry;
  /** Core's Prometheus exporter, e.g. `http://127.0.0.1:40123/metrics`; its text is appended. */
  coreMetricsUrl?: string;
}

/** A listening metrics endpoint. */
export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on `host:port`; answers `GET /metrics` (404 otherwise). When Core's exporter does not
 * answer, the scrape still returns reportflow's metrics and says so in a comment line.
 * @throws Error when the port is taken (EADDRINUSE): two workers on one machine need their own ports.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    scrape(options).then(
      (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
    );
  });
  await listen(server, options.host, options.port);
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function scrape(options: MetricsServerOptions): Promise<string> {
  const own = await options.registry.metrics();
  if (!options.coreMetricsUrl) return own;
  try {
    const res = await fetch(options.coreMetricsUrl, { signal: AbortSignal.timeout(CORE_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return `${own}\n${await res.text()}`;
  } catch (err) {
    return `${own}\n# Temporal SDK metrics unavailable: ${(err as Error).message.replace(/\n/g, ' ')}\n`;
  }
}

/** A port on 127.0.0.1 free right now, for Core's exporter (which cannot report the port it bound). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await listen(server, '127.0.0.1', 0);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
