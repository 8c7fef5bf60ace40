/** The S3 destination against a real S3-compatible server (moto_server started by the test). */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { S3Destination } from '../../src/destinations/s3-destination.js';
import { bucketConformance } from '../helpers/emulators/bucket-conformance.js';
import { createS3Bucket, s3Client, S3_TEST_CREDENTIALS, startS3Server } from '../helpers/emulators/s3-server.js';

bucketConformance(async () => {
  const server = await startS3Server();
  const bucket = 'reports';
  await createS3Bucket(server.url, bucket);
  const integration = { type: 'S3' as const, endpoint: server.url, ...S3_TEST_CREDENTIALS };
  const client = s3Client(server.url);
  return {
    variant: 'S3',
    bucket,
    integration,
    destination: new S3Destination(integration, { signedUrlTtlSeconds: 600 }),
    list: async (prefix) => ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key ?? ''),
    read: async (key) => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as AsyncIterable<Uint8Array>,
    metadata: async (key) => (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {},
    stop: async () => {
      client.destroy();
      await server.stop();
    },
  };
});
