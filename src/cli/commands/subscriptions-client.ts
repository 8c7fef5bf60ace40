/**
 * The CLI's calls to `/v1/report-subscriptions` (see ../resource-call.ts for the errors they throw).
 */
import type { Config } from '../../config/settings.js';
import type { GlobalOptions } from '../connect.js';
import { resourceCall, type ResourceJson } from '../resource-call.js';

export type SubscriptionJson = ResourceJson;

/** Calls `method path` on the configured API; returns the parsed JSON (undefined for 204). @throws ApiError | NetworkError | MissingApiKeyError */
export async function subscriptionsCall(
  options: GlobalOptions,
  config: Pick<Config, 'cliApiKey' | 'varDir' | 'cliApiUrl'>,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<SubscriptionJson | undefined> {
  return resourceCall(options, config, method, '/v1/report-subscriptions', path, body);
}
