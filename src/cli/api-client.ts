/**
 * The CLI's client of the reportflow HTTP API (Node's fetch). It tells apart the two ways a call
 * can fail: the API answered with an error (`ApiError`, its code and field errors), or it could not
 * be reached at all (`NetworkError`).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ErrorBody, RunBody } from './wire-types.js';

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

export class ReportflowClient {
  private readonly baseUrl: string;

  /** @param baseUrl e.g. `http://127.0.0.1:8080`; @param apiKey sent as `X-API-KEY`. */
  constructor(baseUrl: string, private readonly apiKey: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** POST /v1/report-generate-requests. @throws ApiError, NetworkError */
  createRequest(body: Record<string, unknown>): Promise<RunBody> {
    return this.json<RunBody>('POST', '/v1/report-generate-requests', body);
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
  async download(id: string, choosePath: (fileName: string | undefined) => string, expectedSha256?: string): Promise<DownloadResult> {
    const res = await this.fetch('GET', `/v1/reports/${encodeURIComponent(id)}/download`);
    if (!res.ok) throw await apiError(res);
    const fileName = fileNameOf(res.headers.get('content-disposition'));
    const target = choosePath(fileName);
    const part = `${target}.part`;
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), tap, createWriteStream(part));
    } catch (err) {
      await rm(part, { force: true });
      throw new NetworkError(this.baseUrl, err);
    }
    const sha256 = hash.digest('hex');
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
    const res = await this.fetch(method, path, body);
    if (!res.ok) throw await apiError(res);
    return (await res.json()) as T;
  }

  private async fetch(method: string, path: string, body?: unknown): Promise<Response> {
    const url = this.baseUrl + path;
    try {
      return await fetch(url, {
        method,
        headers: { 'x-api-key': this.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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

/** `attachment; filename="x.pdf"` → `x.pdf`; only a plain base name is accepted. */
function fileNameOf(disposition: string | null): string | undefined {
  const name = disposition ? /filename="([^"]+)"/.exec(disposition)?.[1] : undefined;
  return name && /^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith('.') ? name : undefined;
}
