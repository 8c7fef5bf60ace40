/**
 * The report store chosen by the settings: the bucket of `REPORTFLOW_REPORT_STORE_INTEGRATION` when set,
 * else the directory `REPORTFLOW_REPORTS_DIR`. The API and the workers build it the same way, so what a
 * worker exports is what the API downloads.
 */
import type { Config } from '../config/settings.js';
import type { BucketDestinations } from './bucket-destinations.js';
import { BucketReportStore } from './bucket-report-store.js';
import type { Destination } from './destination.js';
import { LocalDestination } from './local-destination.js';

/**
 * @param buckets the configured integrations' adapters (their SDK loads on the store's first use).
 * @throws Error at start when the integration is not a configured S3 or GCS integration.
 */
export function reportStoreFor(
  config: Pick<Config, 'reportsDir' | 'reportStoreIntegration' | 'reportStoreBucket' | 'reportStorePrefix'>,
  buckets: BucketDestinations,
): Destination {
  const id = config.reportStoreIntegration;
  if (!id) return new LocalDestination(config.reportsDir);
  const variant = buckets.has(id, 'S3') ? 'S3' : buckets.has(id, 'GCS') ? 'GCS' : undefined;
  if (!variant) throw new Error(`REPORTFLOW_REPORT_STORE_INTEGRATION: "${id}" is not an S3 or GCS integration of REPORTFLOW_INTEGRATIONS_FILE`);
  if (!config.reportStoreBucket) throw new Error('REPORTFLOW_REPORT_STORE_BUCKET must be set with REPORTFLOW_REPORT_STORE_INTEGRATION');
  return new BucketReportStore(() => buckets.get(id, variant), { bucket: config.reportStoreBucket, prefix: config.reportStorePrefix });
}
