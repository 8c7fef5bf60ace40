/**
 * Runs one bucket delivery in its own process so a test can kill it mid-upload (SIGKILL, like a
 * worker host dying). argv: JSON `{ variant, integration, file, object }`. Prints `progress <bytes>`
 * lines while uploading and `done <json>` at the end.
 */
import type { BucketObject } from '../../../src/destinations/bucket-destination.js';
import { GcsDestination } from '../../../src/destinations/gcs-destination.js';
import { S3Destination } from '../../../src/destinations/s3-destination.js';
import type { GcsIntegration, S3Integration } from '../../../src/config/integrations.js';

const input = JSON.parse(process.argv[2] ?? '{}') as { variant: 'GCS' | 'S3'; integration: GcsIntegration | S3Integration; file: string; object: BucketObject };
const dest =
  input.variant === 'GCS'
    ? new GcsDestination(input.integration as GcsIntegration)
    : new S3Destination(input.integration as S3Integration, { signedUrlTtlSeconds: 600 });
const result = await dest.deliver(input.file, input.object, { onProgress: (b) => process.stdout.write(`progress ${b}\n`) });
process.stdout.write(`done ${JSON.stringify(result)}\n`);
