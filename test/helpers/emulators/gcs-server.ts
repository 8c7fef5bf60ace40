/**
 * A real GCS emulator for tests: fake-gcs-server (`go install github.com/fsouza/fake-gcs-server@…`
 * into `.tools/bin` by .ci/run), on a free port, in memory, plain HTTP.
 */
import { Storage } from '@google-cloud/storage';
import { freePort } from '../free-port.js';
import { findBinary, startEmulator, type Emulator } from './process.js';

/** Starts fake-gcs-server; `port` to reuse one (a restarted server). */
export async function startGcsServer(port?: number): Promise<Emulator> {
  const p = port ?? (await freePort());
  const bin = findBinary('fake-gcs-server', ['.tools/bin/fake-gcs-server']);
  const url = `http://127.0.0.1:${p}`;
  return await startEmulator(
    bin,
    ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(p), '-backend', 'memory', '-public-host', `127.0.0.1:${p}`, '-external-url', url, '-log-level', 'warn'],
    p,
    '/storage/v1/b',
  );
}

/** A client for checking what the emulator holds. */
export function gcsClient(url: string): Storage {
  return new Storage({ apiEndpoint: url, projectId: 'test' });
}

/** Creates `bucket` on the emulator. */
export async function createGcsBucket(url: string, bucket: string): Promise<void> {
  await gcsClient(url).createBucket(bucket);
}
