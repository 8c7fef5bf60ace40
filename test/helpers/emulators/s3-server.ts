/**
 * A real S3-compatible server for tests: moto's server mode (`moto_server`, PyPI `moto[server]`,
 * installed into `.tools/venv` by .ci/run), on a free port, in memory.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../free-port.js';
import { findBinary, startEmulator, type Emulator } from './process.js';

/** Settings of an S3 integration pointing at the server. */
export const S3_TEST_CREDENTIALS = { region: 'us-east-1', accessKeyId: 'test', secretAccessKey: 'test', forcePathStyle: true } as const;

/** Starts moto_server; `port` to reuse one (a restarted server). */
export async function startS3Server(port?: number): Promise<Emulator> {
  const p = port ?? (await freePort());
  const bin = findBinary('moto_server', ['.tools/venv/bin/moto_server']);
  return await startEmulator(bin, ['-H', '127.0.0.1', '-p', String(p)], p, '/moto-api/');
}

/** A client for checking what the server holds. */
export function s3Client(url: string): S3Client {
  const { region, accessKeyId, secretAccessKey, forcePathStyle } = S3_TEST_CREDENTIALS;
  return new S3Client({ region, endpoint: url, forcePathStyle, credentials: { accessKeyId, secretAccessKey } });
}

/** Creates `bucket` on the server. */
export async function createS3Bucket(url: string, bucket: string): Promise<void> {
  const client = s3Client(url);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
}
