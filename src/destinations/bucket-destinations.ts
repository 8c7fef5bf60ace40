/**
 * The bucket (GCS, S3) and BigQuery destinations of the configured integrations, one client per
 * integration, built on first use.
 */
import type { Integrations } from '../config/integrations.js';
import { namedValue, ReportError } from '../domain/errors.js';
import { BigQueryDestination } from './bigquery-destination.js';
import type { BucketDestination } from './bucket-destination.js';
import { GcsDestination } from './gcs-destination.js';
import { S3Destination } from './s3-destination.js';

export class BucketDestinations {
  private readonly cache = new Map<string, BucketDestination>();
  private readonly bigQueryCache = new Map<string, BigQueryDestination>();

  /** @param signedUrlTtlSeconds lifetime of presigned download URLs (config.signedUrlTtlSeconds). */
  constructor(
    private readonly integrations: Integrations,
    private readonly signedUrlTtlSeconds: number,
  ) {}

  /**
   * The destination for integration `id`, which must be of kind `variant`.
   * @throws ReportError('INTEGRATION_UNKNOWN') when no such integration of that kind is configured.
   */
  get(id: string, variant: 'GCS' | 'S3'): BucketDestination {
    const integration = this.integrations.get(id);
    if (!integration || integration.type !== variant) {
      throw new ReportError('INTEGRATION_UNKNOWN', `No ${variant} integration ${namedValue(id, '(the id sent)')} is configured.`, [
        { field: 'export_location.integration_id', code: 'INTEGRATION_UNKNOWN', message: `is not a configured ${variant} integration` },
      ]);
    }
    let dest = this.cache.get(id);
    if (!dest) {
      dest = integration.type === 'GCS' ? new GcsDestination(integration) : new S3Destination(integration, { signedUrlTtlSeconds: this.signedUrlTtlSeconds });
      this.cache.set(id, dest);
    }
    return dest;
  }

  /** @throws ReportError('INTEGRATION_UNKNOWN') when no BIGQUERY integration `id` is configured. */
  bigQuery(id: string): BigQueryDestination {
    const integration = this.integrations.get(id);
    if (integration?.type !== 'BIGQUERY') {
      throw new ReportError('INTEGRATION_UNKNOWN', `No BIGQUERY integration ${namedValue(id, '(the id sent)')} is configured.`, [
        { field: 'export_location.integration_id', code: 'INTEGRATION_UNKNOWN', message: 'is not a configured BIGQUERY integration' },
      ]);
    }
    let dest = this.bigQueryCache.get(id);
    if (!dest) {
      dest = new BigQueryDestination(integration);
      this.bigQueryCache.set(id, dest);
    }
    return dest;
  }

  /** True when `id` names an integration of kind `variant`. */
  has(id: string, variant: 'GCS' | 'S3' | 'BIGQUERY'): boolean {
    return this.integrations.get(id)?.type === variant;
  }
}

