/**
 * One call to a `/v1` resource of the configured API (subscriptions, report configurations), with the
 * same error types as the rest of the CLI (`ApiError` for an API refusal, `NetworkError` when the API
 * cannot be reached).
 */
import type { Config } from '../config/settings.js';
import { ApiError, NetworkError } from './api-client.js';
import { resolveApiKey, type GlobalOptions } from './connect.js';

/** A parsed JSON answer, read freely by the commands. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResourceJson = Record<string, any>;

/**
 * Calls `method <resource><path>` (e.g. `/v1/report-configurations`, `/<id>`) with a 30 s timeout.
 * @returns the parsed JSON (undefined for 204).
 * @throws ApiError | NetworkError | MissingApiKeyError
 */
export async function resourceCall(...args: Parameters<typeof resourceText>): Promise<ResourceJson | undefined> {
  const text = await resourceText(...args);
  return text ? (JSON.parse(text) as ResourceJson) : undefined;
}

/**
 * As `resourceCall`, for an answer that is a file (a template preview).
 * @returns the body as text ('' for 204).
 * @throws ApiError | NetworkError | MissingApiKeyError
 */
export async function resourceText(
  options: GlobalOptions,
  config: Pick<Config, 'cliApiKey' | 'varDir' | 'cliApiUrl'>,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  resource: string,
  path: string,
  body?: unknown,
): Promise<string> {
  const baseUrl = (options.apiUrl ?? config.cliApiUrl).replace(/\/+$/, '');
  const key = resolveApiKey(options, config);
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${resource}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new NetworkError(baseUrl, err);
  }
  const text = await res.text();
  if (!res.ok) {
    try {
      const { error } = JSON.parse(text) as { error: { code: string; message: string; errors?: { field: string; code: string; message: string }[] } };
      throw new ApiError(res.status, error.code, error.message, error.errors ?? []);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(res.status, `HTTP_${res.status}`, text.slice(0, 200) || res.statusText);
    }
  }
  return text;
}
