/**
 * Runs one delivery in its own process so a test can kill it mid-way (SIGKILL, like a worker host
 * dying). argv: JSON `DeliveryChildInput`. A bucket delivery prints `progress <bytes>` lines while
 * uploading; a BigQuery load prints `stage <upload|job|wait> <rows>` lines. Both print `done <json>`
 * at the end.
 */
import type { BigQueryIntegration, GcsIntegration, S3Integration } from '../../../src/config/integrations.js';
import { BigQueryDestination, type BigQueryLoad } from '../../../src/destinations/bigquery-destination.js';
import type { BucketObject } from '../../../src/destinations/bucket-destination.js';
import { GcsDestination } from '../../../src/destinations/gcs-destination.js';
import { S3Destination } from '../../../src/destinations/s3-destination.js';

/** What the child delivers: `file` to a bucket `object`, or the staged rows `file` as a BigQuery `load`. */
export type DeliveryChildInput =
  | { variant: 'GCS' | 'S3'; integration: GcsIntegration | S3Integration; file: string; object: BucketObject }
  | { variant: 'BIGQUERY'; integration: BigQueryIntegration; file: string; load: BigQueryLoad };

async function main(input: DeliveryChildInput): Promise<unknown> {
  if (input.variant === 'BIGQUERY') {
    return await new BigQueryDestination(input.integration).load(input.file, input.load, {
      onProgress: (p) => process.stdout.write(`stage ${p.stage} ${p.rows}\n`),
    });
  }
  const dest =
    input.variant === 'GCS'
      ? new GcsDestination(input.integration as GcsIntegration)
      : new S3Destination(input.integration as S3Integration, { signedUrlTtlSeconds: 600 });
  return await dest.deliver(input.file, input.object, { onProgress: (b) => process.stdout.write(`progress ${b}\n`) });
}

const result = await main(JSON.parse(process.argv[2] ?? '{}') as DeliveryChildInput);
process.stdout.write(`done ${JSON.stringify(result)}\n`);
