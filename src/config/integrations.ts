/**
 * Named export integrations: credentials and endpoints of the buckets reports are delivered to,
 * read once at start from the JSON file `REPORTFLOW_INTEGRATIONS_FILE`. A request names one by
 * `export_location.integration_id`; credentials never travel in requests, history or logs.
 *
 * File shape (snake_case), every key optional unless marked:
 * ```json
 * { "gcs-prod": { "type": "GCS", "project_id": "my-project", "key_file": "/etc/reportflow/sa.json",
 *                 "api_endpoint": "http://127.0.0.1:4443" },
 *   "s3-prod":  { "type": "S3", "region": "eu-west-1", "access_key_id": "AKIA…", "secret_access_key": "…",
 *                 "endpoint": "http://127.0.0.1:9000", "force_path_style": true },
 *   "bq-prod":  { "type": "BIGQUERY", "project_id": "my-project", "key_file": "/etc/reportflow/sa.json", "location": "EU" } }
 * ```
 * Without `key_file` / access keys the client libraries' default credential chain applies
 * (GOOGLE_APPLICATION_CREDENTIALS, instance metadata, AWS profiles …).
 */
import { readFileSync } from 'node:fs';

/** A Google Cloud Storage account. `apiEndpoint`: base URL of an emulator or private endpoint. */
export interface GcsIntegration {
  type: 'GCS';
  projectId?: string;
  keyFile?: string;
  apiEndpoint?: string;
}

/** An S3 or S3-compatible account. `endpoint`: base URL of a non-AWS server (MinIO, moto, SeaweedFS). */
export interface S3Integration {
  type: 'S3';
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
}

/** A BigQuery project. `apiEndpoint`: base URL of an emulator; `location`: where datasets are created (e.g. `EU`). */
export interface BigQueryIntegration {
  type: 'BIGQUERY';
  projectId?: string;
  keyFile?: string;
  apiEndpoint?: string;
  location?: string;
}

export type Integration = GcsIntegration | S3Integration | BigQueryIntegration;

/** Integration id → settings. */
export type Integrations = ReadonlyMap<string, Integration>;

/**
 * Reads the integrations file; an unset path gives none.
 * @throws Error naming the file and the integration when the file is unreadable or an entry is malformed
 *   (the message never includes a credential).
 */
export function loadIntegrations(file: string | undefined): Integrations {
  if (!file) return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`REPORTFLOW_INTEGRATIONS_FILE ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseIntegrations(raw, file);
}

/** Checks and converts the file's JSON. @throws Error on a malformed entry. */
export function parseIntegrations(raw: unknown, source = 'integrations'): Integrations {
  if (!isObject(raw)) throw new Error(`${source}: expected a JSON object of named integrations`);
  const out = new Map<string, Integration>();
  for (const [id, entry] of Object.entries(raw)) {
    const where = `${source}: integration "${id}"`;
    if (!isObject(entry)) throw new Error(`${where} is not an object`);
    const s = (key: string): string | undefined => {
      const v = entry[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v === '') throw new Error(`${where}: ${key} must be a non-empty string`);
      return v;
    };
    if (entry['type'] === 'GCS') {
      out.set(id, dropUndefined({ type: 'GCS', projectId: s('project_id'), keyFile: s('key_file'), apiEndpoint: s('api_endpoint') }));
    } else if (entry['type'] === 'S3') {
      const forcePathStyle = entry['force_path_style'];
      if (forcePathStyle !== undefined && typeof forcePathStyle !== 'boolean') throw new Error(`${where}: force_path_style must be true or false`);
      const accessKeyId = s('access_key_id');
      const secretAccessKey = s('secret_access_key');
      if (!accessKeyId !== !secretAccessKey) throw new Error(`${where}: give both access_key_id and secret_access_key, or neither`);
      out.set(id, dropUndefined({ type: 'S3', region: s('region') ?? 'us-east-1', accessKeyId, secretAccessKey, endpoint: s('endpoint'), forcePathStyle }));
    } else if (entry['type'] === 'BIGQUERY') {
      out.set(id, dropUndefined({ type: 'BIGQUERY', projectId: s('project_id'), keyFile: s('key_file'), apiEndpoint: s('api_endpoint'), location: s('location') }));
    } else {
      throw new Error(`${where}: type must be "GCS", "S3" or "BIGQUERY"`);
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
