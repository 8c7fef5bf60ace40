/**
 * The CLI's calls to `/v1/report-subscriptions`, with the same error types as the rest of the CLI
 * (`ApiError` for an API refusal, `NetworkError` when the API cannot be reached).
 */
import type { Config } from '../../config/settings.js';
import { ApiError, NetworkError } from '../api-client.js';
import { resolveApiKey, type GlobalOptions } from '../connect.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SubscriptionJson = Record<string, any>;

/** Calls `method path` on the configured API; returns the parsed JSON (undefined for 204). @throws ApiError | NetworkError | MissingApiKeyError */
export async function subscriptionsCall(
  options: GlobalOptions,
  config: Pick<Config, 'cliApiKey' | 'varDir' | 'cliApiUrl'>,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<SubscriptionJson | undefined> {
  const baseUrl = (options.apiUrl ?? config.cliApiUrl).replace(/\/+$/, '');
  const key = resolveApiKey(options, config);
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/v1/report-subscriptions${path}`, {
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
  return text ? (JSON.parse(text) as SubscriptionJson) : undefined;
}
