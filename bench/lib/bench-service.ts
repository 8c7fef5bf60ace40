/**
 * The service as the benchmark runs it: `npm start` (the compiled JavaScript in dist/, as users run it) on
 * free ports and a fresh var/ (test/helpers/service.ts),
 * on `databaseUrl` when given (else the embedded engine), with the two settings a benchmark client needs:
 * its loopback webhook receiver allow-listed, and the per-key rate limit (600 a minute) lifted, since
 * the benchmark sends more requests than that.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { startService, type RunningService } from '../../test/helpers/service.js';

/** @param options.compiled false runs the sources through tsx instead (to compare); default true. */
export function startBenchService(databaseUrl: string | undefined, options: { compiled?: boolean } = {}): Promise<RunningService> {
  return startService({
    ...(databaseUrl ? { databaseUrl } : {}),
    echo: false,
    compiled: options.compiled ?? true,
    env: { REPORTFLOW_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', REPORTFLOW_RATE_LIMIT_PER_MINUTE: '1000000' },
  });
}

/** `abc1234 subject` of the checked-out commit (with ` (+ uncommitted changes)` when the tree is dirty). */
export function commitLine(cwd: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return `${git('log', '-1', '--format=%h %s')}${dirty ? ' (+ uncommitted changes)' : ''}`;
  } catch {
    return 'unknown commit';
  }
}

/** CPU count and the 1-minute load average now: how busy the machine was. */
export function machineLine(): string {
  return `${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`;
}
