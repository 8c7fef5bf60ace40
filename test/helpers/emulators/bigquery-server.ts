/**
 * A BigQuery emulator speaking the REST API for tests: bqemulator (PyPI, DuckDB-backed), installed
 * into `.tools/venv` by .ci/run together with DuckDB's spatial extension from PyPI
 * (`duckdb-extension-spatial`), which bqemulator loads at start. The extension is placed where DuckDB
 * looks for it under a private HOME (`.tools/duckdb-home`), as the machines cannot download it.
 */
import path from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import { freePort } from '../free-port.js';
import { findBinary, startEmulator, type Emulator } from './process.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Where the emulator listens and keeps its data; every field optional. */
export interface BigQueryServerOptions {
  /** REST port; a free one when unset. */
  port?: number;
  /** gRPC port (unused by the tests, but bqemulator binds one); a free one when unset. */
  grpcPort?: number;
  /** Keep tables in a DuckDB file in this directory, so a restarted server still has them; in memory when unset. */
  dataDir?: string;
}

/** A running emulator, with what it takes to start it again on the same ports and data. */
export interface BigQueryEmulator extends Emulator {
  options: Required<Pick<BigQueryServerOptions, 'port' | 'grpcPort'>> & Pick<BigQueryServerOptions, 'dataDir'>;
}

/** Starts bqemulator for project `test`; pass a stopped server's `options` to start it again. */
export async function startBigQueryServer(options: BigQueryServerOptions = {}): Promise<BigQueryEmulator> {
  const port = options.port ?? (await freePort());
  const grpcPort = options.grpcPort ?? (await freePort());
  const bin = findBinary('bqemulator', ['.tools/venv/bin/bqemulator']);
  const storage = options.dataDir ? ['--persistent', '--data-dir', options.dataDir] : ['--ephemeral'];
  const emulator = await startEmulator(
    bin,
    ['start', '--rest-port', String(port), '--grpc-port', String(grpcPort), '--project', 'test', ...storage, '--log-level', 'error'],
    port,
    '/bigquery/v2/projects/test/datasets',
    { HOME: path.join(ROOT, '.tools/duckdb-home') },
  );
  return { ...emulator, options: { port, grpcPort, ...(options.dataDir ? { dataDir: options.dataDir } : {}) } };
}

/** A client for checking what the emulator holds. */
export function bigQueryClient(url: string): BigQuery {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'emulator', expiry_date: Date.now() + 3600_000 });
  // Emulators take no credentials, but the client's uploads need an auth client to set headers.
  const options = { projectId: 'test', apiEndpoint: url, useAuthWithCustomEndpoint: true, authClient };
  return new BigQuery(options);
}
