/** The GCS destination against a real GCS emulator (fake-gcs-server started by the test). */
import { GcsDestination } from '../../src/destinations/gcs-destination.js';
import { bucketConformance } from '../helpers/emulators/bucket-conformance.js';
import { createGcsBucket, gcsClient, startGcsServer } from '../helpers/emulators/gcs-server.js';

bucketConformance(async () => {
  const server = await startGcsServer();
  const bucket = 'reports';
  await createGcsBucket(server.url, bucket);
  const integration = { type: 'GCS' as const, apiEndpoint: server.url, projectId: 'test' };
  const storage = gcsClient(server.url);
  return {
    variant: 'GCS',
    bucket,
    integration,
    destination: new GcsDestination(integration),
    list: async (prefix) => (await storage.bucket(bucket).getFiles({ prefix }))[0].map((f) => f.name),
    read: async (key) => storage.bucket(bucket).file(key).createReadStream({ validation: false }),
    metadata: async (key) => {
      const [meta] = await storage.bucket(bucket).file(key).getMetadata();
      return Object.fromEntries(Object.entries(meta.metadata ?? {}).map(([k, v]) => [k, String(v)]));
    },
    stop: () => server.stop(),
  };
});
