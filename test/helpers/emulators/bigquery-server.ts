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

export async function startBigQueryServer(): Promise<Emulator> {
  const [rest, grpc] = [await freePort(), await freePort()];
  const bin = findBinary('bqemulator', ['.tools/venv/bin/bqemulator']);
  return await startEmulator(
    bin,
    ['start', '--rest-port', String(rest), '--grpc-port', String(grpc), '--project', 'test', '--ephemeral', '--log-level', 'error'],
    rest,
    '/bigquery/v2/projects/test/datasets',
    { HOME: path.join(ROOT, '.tools/duckdb-home') },
  );
}

/** A client for checking what the emulator holds. */
export function bigQueryClient(url: string): BigQuery {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'emulator', expiry_date: Date.now() + 3600_000 });
  // Emulators take no credentials, but the client's uploads need an auth client to set headers.
  const options = { projectId: 'test', apiEndpoint: url, useAuthWithCustomEndpoint: true, authClient };
  return new BigQuery(options);
}
