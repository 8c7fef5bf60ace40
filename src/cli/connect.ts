/**
 * Which API the CLI talks to and with which key: `--api-url` or `REPORTFLOW_API_URL`; `--api-key`,
 * else `REPORTFLOW_API_KEY`, else the development key file `<var>/api-key` that `npm start` writes.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/settings.js';
import { devApiKeyPath } from '../setup/api-key.js';
import { ReportflowClient } from './api-client.js';
import { UsageError } from './io.js';

/** Options every command accepts. */
export interface GlobalOptions {
  apiUrl?: string;
  apiKey?: string;
}

/** Thrown when no API key can be found; the message says where it was looked for. */
export class MissingApiKeyError extends UsageError {}

/** The API key to use. @throws MissingApiKeyError */
export function resolveApiKey(options: GlobalOptions, config: Pick<Config, 'cliApiKey' | 'varDir'>): string {
  if (options.apiKey) return options.apiKey;
  if (config.cliApiKey) return config.cliApiKey;
  const file = devApiKeyPath(config.varDir);
  let text = '';
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    // no file: explained below
  }
  // The file holds the bare key; a `tenant:key` line (as in REPORTFLOW_API_KEYS) is accepted too.
  const key = /^[A-Za-z0-9_-]{1,64}:(.+)$/.exec(text)?.[1] ?? text;
  if (!key) throw new MissingApiKeyError(`no API key: pass --api-key, set REPORTFLOW_API_KEY, or run \`npm start\` (it writes ${file})`);
  return key;
}

/** A client for the configured API. @throws MissingApiKeyError */
export function apiClient(options: GlobalOptions, config: Pick<Config, 'cliApiKey' | 'varDir' | 'cliApiUrl'>): ReportflowClient {
  return new ReportflowClient(options.apiUrl ?? config.cliApiUrl, resolveApiKey(options, config));
}
