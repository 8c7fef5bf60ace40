/**
 * The CLI's client of the reportflow HTTP API (Node's fetch). It tells apart the two ways a call
 * can fail: the API answered with an error (`ApiError`, its code and field errors), or it could not
 * be reached at all (`NetworkError`).
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { digestStream } from '../platform/digest-stream.js';
import type { DownloadUrlBody, ErrorBody, PageBody, ReportBody, RunBody } from './wire-types.js';

/** The API answered with a 4xx/5xx. `code` is the API's error code (or `HTTP_<status>` for non-API answers). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: { field: string; code: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API could not be reached (refused, reset, DNS, timeout). */
export class NetworkError extends Error {
  constructor(readonly url: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } }).cause;
    super(`cannot reach the API at ${url}: ${reason?.code ?? reason?.message ?? (cause as Error).message}`, { cause });
    this.name = 'NetworkError';
  }
}

/** The downloaded bytes do not match the checksum the API gave. */
export class ChecksumError extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`checksum mismatch: expected sha256 ${expected}, got ${actual}; the file was not kept`);
    this.name = 'ChecksumError';
  }
}

/** What a finished download wrote. */
export interface DownloadResult {
  path: string;
  sizeBytes: number;
  sha256: string;
  /** The file name the API suggested (Content-Disposition). */
  fileName: string | undefined;
}

/** What `createRequest` got back. */
export interface CreatedRun {
  run: RunBody;
  /** True when the API answered with the request an earlier call with the same Idempotency-Key made. */
  replayed: boolean;
}

/** Query of a listing: a value left undefined is not sent. */
export type ListQuery = Record<string, string | number | boolean | undefined>;

/** Talks to one reportflow API with one API key. */
export class ReportflowClient {
  private readonly baseUrl: string;

  /** @param baseUrl e.g. `http://127.0.0.1:8080`; @param apiKey sent as `X-API-KEY`. */
  constructor(baseUrl: string, private readonly apiKey: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /**
   * POST /v1/report-generate-requests.
   * @param idempotencyKey sent as `Idempotency-Key`: the same key and body within the API's window
   *   answers with the original request instead of starting another.
   * @throws ApiError, NetworkError
   */
  async createRequest(body: Record<string, unknown>, idempotencyKey?: string): Promise<CreatedRun> {
    const res = await this.fetch('POST', '/v1/report-generate-requests', { body, headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey } });
    if (!res.ok) throw await apiError(res);
    return { run: (await res.json()) as RunBody, replayed: res.headers.get('x-idempotency-replayed') === 'true' };
  }

  /** POST /v1/report-generate-requests/{id}/cancel (202 with the request's view). @throws ApiError, NetworkError */
  cancelRequest(id: string): Promise<RunBody> {
    return this.json<RunBody>('POST', `/v1/report-generate-requests/${encodeURIComponent(id)}/cancel`);
  }

  /** GET /v1/report-generate-requests?limit=&cursor=&status=&report_code=&customer_id=&created_from=&created_to= @throws ApiError, NetworkError */
  listRequests(query: ListQuery): Promise<PageBody<RunBody>> {
    return this.json<PageBody<RunBody>>('GET', `/v1/report-generate-requests${queryString(query)}`);
  }

  /** GET /v1/reports?limit=&cursor=&report_code=&customer_id=&created_from=&created_to=&include_deleted= @throws ApiError, NetworkError */
  listReports(query: ListQuery): Promise<PageBody<ReportBody>> {
    return this.json<PageBody<ReportBody>>('GET', `/v1/reports${queryString(query)}`);
  }

  /** DELETE /v1/reports/{id}: the file goes, the record stays with `deleted_at`. @throws ApiError, NetworkError */
  deleteReport(id: string): Promise<ReportBody> {
    return this.json<ReportBody>('DELETE', `/v1/reports/${encodeURIComponent(id)}`);
  }

  /** GET /v1/reports/{id}/download-url: a signed URL usable without credentials until `expires_at`. @throws ApiError, NetworkError */
  downloadUrl(id: string): Promise<DownloadUrlBody> {
    return this.json<DownloadUrlBody>('GET', `/v1/reports/${encodeURIComponent(id)}/download-url`);
  }

  /** GET /v1/report-generate-requests/{id}. @throws ApiError, NetworkError */
  getRequest(id: string): Promise<RunBody> {
    return this.json<RunBody>('GET', `/v1/report-generate-requests/${encodeURIComponent(id)}`);
  }

  /** GET /v1/report-definitions. @throws ApiError, NetworkError */
  async definitions(): Promise<Record<string, unknown>[]> {
    return (await this.json<{ items: Record<string, unknown>[] }>('GET', '/v1/report-definitions')).items;
  }

  /**
   * Streams the report of run `id` to `choosePath(suggestedFileName)` through a `.part` file, checks
   * its SHA-256 against `X-Checksum-Sha256` (and `expectedSha256` when given), then renames it into place.
   * @throws ApiError, NetworkError, ChecksumError (the partial file is removed)
   */
  download(id: string, choosePath: (fileName: string | undefined) => string, expectedSha256?: string): Promise<DownloadResult> {
    return this.save(`/v1/reports/${encodeURIComponent(id)}/download`, choosePath, expectedSha256);
  }

  /**
   * Streams the ZIP of bulk request `id` (GET /v1/report-bulk-requests/{id}/zip) as `download` does a report.
   * @throws ApiError (404, or 409 REPORT_NOT_READY before the ZIP is made), NetworkError, ChecksumError
   */
  downloadBulkZip(id: string, choosePath: (fileName: string | undefined) => string): Promise<DownloadResult> {
    return this.save(`/v1/report-bulk-requests/${encodeURIComponent(id)}/zip`, choosePath);
  }

  /** GETs the file at `apiPath` into `choosePath(suggestedFileName)` (see `download`). */
  private async save(apiPath: string, choosePath: (fileName: string | undefined) => string, expectedSha256?: string): Promise<DownloadResult> {
    const res = await this.fetch('GET', apiPath);
    if (!res.ok) throw await apiError(res);
    const fileName = fileNameOf(res.headers.get('content-disposition'));
    const target = choosePath(fileName);
    const part = `${target}.part`;
    const measured = digestStream();
    try {
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), measured.stream, createWriteStream(part));
    } catch (err) {
      await rm(part, { force: true });
      throw new NetworkError(this.baseUrl, err);
    }
    const { sizeBytes, sha256 } = measured.digest();
    for (const expected of [res.headers.get('x-checksum-sha256'), expectedSha256]) {
      if (expected && expected.toLowerCase() !== sha256) {
        await rm(part, { force: true });
        throw new ChecksumError(expected, sha256);
      }
    }
    await rename(part, target);
    return { path: target, sizeBytes, sha256, fileName };
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, { body });
    if (!res.ok) throw await apiError(res);
    return (await res.json()) as T;
  }

  private async fetch(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = this.baseUrl + path;
    const { body } = options;
    try {
      return await fetch(url, {
        method,
        headers: { 'x-api-key': this.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new NetworkError(this.baseUrl, err);
    }
  }
}

async function apiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as ErrorBody;
    if (error && typeof error.code === 'string') return new ApiError(res.status, error.code, error.message, error.errors ?? []);
  } catch {
    // not the API's error shape: fall through
  }
  return new ApiError(res.status, `HTTP_${res.status}`, `the server answered ${res.status} ${res.statusText}`.trim());
}

/** `?a=1&b=x` of the defined values, in the given order; empty when there are none. */
function queryString(query: ListQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** `attachment; filename="x.pdf"` → `x.pdf`; only a plain base name is accepted. */
function fileNameOf(disposition: string | null): string | undefined {
  const name = disposition ? /filename="([^"]+)"/.exec(disposition)?.[1] : undefined;
  return name && /^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith('.') ? name : undefined;
}
