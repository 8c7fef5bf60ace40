/**
 * Connections to the Temporal frontend, from config: the client `Connection` (API, CLI, tests) and
 * the worker's `NativeConnection`. Address: `TEMPORAL_ADDRESS`, else the dev server's. With
 * `TEMPORAL_API_KEY` set (Temporal Cloud) the connection uses TLS and sends the key.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { effectiveTemporalAddress, tracingEnabled, type Config } from '../config/settings.js';
import { clientTracingInterceptors } from './tracing.js';

/** Address, and TLS + API key when an API key is configured. */
export function connectionOptions(config: Config): { address: string; tls?: true; apiKey?: string } {
  const address = effectiveTemporalAddress(config);
  return config.temporalApiKey ? { address, tls: true, apiKey: config.temporalApiKey } : { address };
}

/**
 * A client on `config.temporalNamespace`; with tracing on, its workflow starts carry the caller's
 * trace context (temporal/tracing.ts). Close it with `client.connection.close()`.
 * @throws Error (gRPC UNAVAILABLE…) when the frontend cannot be reached.
 */
export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config));
  const interceptors = tracingEnabled(config) ? { workflow: await clientTracingInterceptors() } : undefined;
  return new Client({ connection, namespace: config.temporalNamespace, ...(interceptors ? { interceptors } : {}) });
}

/**
 * The worker's connection (the namespace is given to the worker itself). Close it after the worker has shut down.
 * @throws Error when the frontend cannot be reached.
 */
export async function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
