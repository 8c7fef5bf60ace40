/**
 * The bucket (GCS, S3) and BigQuery destinations of the configured integrations, one client per
 * integration, built on first use. Each cloud SDK is loaded then too, not at start: a worker without
 * integrations (the default) never holds the Google Cloud and AWS SDKs (~12 MiB of resident memory
 * together, measured by importing them into an empty Node.js 24 process).
 */
import type { Integrations } from '../config/integrations.js';
import { namedValue, ReportError } from '../domain/errors.js';
import type { BigQueryDestination } from './bigquery-destination.js';
import type { BucketDestination } from './bucket-destination.js';

export class BucketDestinations {
  private readonly cache = new Map<string, Promise<BucketDestination>>();
  private readonly bigQueryCache = new Map<string, Promise<BigQueryDestination>>();

  /** @param signedUrlTtlSeconds lifetime of presigned download URLs (config.signedUrlTtlSeconds). */
  constructor(
    private readonly integrations: Integrations,
    private readonly signedUrlTtlSeconds: number,
  ) {}

  /**
   * The destination for integration `id`, which must be of kind `variant`.
   * @throws ReportError('INTEGRATION_UNKNOWN') when no such integration of that kind is configured.
   */
  async get(id: string, variant: 'GCS' | 'S3'): Promise<BucketDestination> {
    const integration = this.integrations.get(id);
    if (!integration || integration.type !== variant) {
      throw new ReportError('INTEGRATION_UNKNOWN', `No ${variant} integration ${namedValue(id, '(the id sent)')} is configured.`, [
        { field: 'export_location.integration_id', code: 'INTEGRATION_UNKNOWN', message: `is not a configured ${variant} integration` },
      ]);
    }
    let dest = this.cache.get(id);
    if (!dest) {
      dest = integration.type === 'GCS'
        ? import('./gcs-destination.js').then(({ GcsDestination }) => new GcsDestination(integration))
        : import('./s3-destination.js').then(({ S3Destination }) => new S3Destination(integration, { signedUrlTtlSeconds: this.signedUrlTtlSeconds }));
      this.cache.set(id, dest);
    }
    return dest;
  }

  /** @throws ReportError('INTEGRATION_UNKNOWN') when no BIGQUERY integration `id` is configured. */
  async bigQuery(id: string): Promise<BigQueryDestination> {
    const integration = this.integrations.get(id);
    if (integration?.type !== 'BIGQUERY') {
      throw new ReportError('INTEGRATION_UNKNOWN', `No BIGQUERY integration ${namedValue(id, '(the id sent)')} is configured.`, [
        { field: 'export_location.integration_id', code: 'INTEGRATION_UNKNOWN', message: 'is not a configured BIGQUERY integration' },
      ]);
    }
    let dest = this.bigQueryCache.get(id);
    if (!dest) {
      dest = import('./bigquery-destination.js').then(({ BigQueryDestination }) => new BigQueryDestination(integration));
      this.bigQueryCache.set(id, dest);
    }
    return dest;
  }

  /** True when `id` names an integration of kind `variant`. */
  has(id: string, variant: 'GCS' | 'S3' | 'BIGQUERY'): boolean {
    return this.integrations.get(id)?.type === variant;
  }
}

