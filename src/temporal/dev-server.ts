/**
 * The Temporal dev server (`temporal server start-dev`) run by `npm start` when `TEMPORAL_ADDRESS`
 * is unset: state persisted in `<var>/temporal/dev.db`, Web UI on `TEMPORAL_UI_PORT` (8233), the
 * project's custom search attributes registered at start. A restart after a crash uses the same
 * file and ports, so runs, schedules and addresses survive it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/settings.js';
import type { ManagedProcessOptions } from '../main/managed-process.js';
import { devServerSearchAttributeArgs } from './search-attributes.js';

/** Command-line arguments for the dev server, bound to 127.0.0.1. */
export function devServerArgs(config: Config): string[] {
  return [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(config.temporalGrpcPort),
    '--ui-port', String(config.temporalUiPort),
    '--namespace', config.temporalNamespace,
    '--db-filename', path.join(config.varDir, 'temporal', 'dev.db'),
    '--log-level', 'error',
    // Eager activity dispatch: the next activity comes back with the workflow task's completion instead
    // of through another poll, which saves a round trip per stage (the SDK allows it by default).
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    // One partition per task queue: with the server's default of 4, a task and a poll that land on
    // different partitions wait for the forwarder. An invoice PDF's p50 (POST → webhook, npm run bench
    // on PostgreSQL, one service start per figure, alternating) is bimodal, ~250 or ~299 ms: with one
    // partition 250–252 ms in 6 of 9 starts, with four 298–299 ms in 5 of 6.
    // One dev server serves one machine's workers; a Temporal cluster keeps its own setting.
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    // WAL with normal sync: every state transition of a run is a SQLite write, and the default journal
    // syncs each one (invoice PDF p95 698 → 623 ms measured with npm run bench). A crash of the machine
    // can lose the last transactions; a dev server's state is not a system of record.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...devServerSearchAttributeArgs(),
  ];
}

/**
 * How `npm start` runs the dev server: under a watchdog (the CLI cannot notice that `npm start` died),
 * ready when its gRPC endpoint is up. Creates `<var>/temporal`.
 */
export async function devServerProcess(config: Config, cliPath: string): Promise<ManagedProcessOptions> {
  await mkdir(path.join(config.varDir, 'temporal'), { recursive: true });
  return {
    name: 'temporal',
    command: cliPath,
    args: devServerArgs(config),
    env: process.env,
    cwd: config.home,
    // start-dev prints "Temporal Server: localhost:7233" (or the --ip) once the frontend listens.
    readyLine: /Temporal Server:|Server:\s+\S+:\d+/,
    readyTimeoutMs: 60_000,
    watchdog: true,
  };
}
