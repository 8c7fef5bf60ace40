/**
 * `npm run bench:memory`: resident memory of the service's Node.js processes run as `npm start` runs
 * them (the compiled JavaScript in dist/) beside the same processes running the TypeScript sources
 * through tsx, in alternating rounds on one machine. Each round starts the service on a fresh var/
 * (embedded PGlite, or DATABASE_URL), waits 5 s after "reportflow is up", reads VmRSS of the worker,
 * the API and the embedded database (/proc/<pid>/status), then runs 10 invoice PDFs one at a time and
 * reads the worker's VmRSS and VmHWM (peak). Prints one row per process and figure: MiB compiled, MiB
 * through tsx, and their difference, each the median of `--rounds` rounds (default 2). Issue 11 asks
 * for compiled JavaScript in production processes and a worker RSS ≤ 250 MB idle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ApiClient } from '../test/helpers/api-client.js';
import { commitLine, machineLine, startBenchService } from './lib/bench-service.js';
import { percentile } from './lib/stats.js';
import { markdownTable } from './lib/table.js';
import { processMemory } from './lib/worker-memory.js';
import { invoiceRequest } from './reportflow-runs.js';

const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const rounds = Number(opts.rounds);
const FIGURES = ['worker idle', 'api idle', 'embedded-db idle', 'worker after 10 PDFs', 'worker peak'] as const;
type Figures = Record<(typeof FIGURES)[number], number>;

/** One start of the service, its processes' memory in MiB. */
async function measure(compiled: boolean): Promise<Partial<Figures>> {
  const service = await startBenchService(process.env.DATABASE_URL, { compiled });
  try {
    await sleep(5_000);
    const children = await service.children();
    const mib = (name: string, key: 'rssBytes' | 'peakBytes' = 'rssBytes') => {
      const pid = children.get(name)?.pid;
      return pid === undefined ? undefined : processMemory(pid)[key] / 2 ** 20;
    };
    const out: Partial<Figures> = { 'worker idle': mib('worker'), 'api idle': mib('api'), 'embedded-db idle': mib('embedded-db') };
    const api = new ApiClient(service.apiUrl, service.apiKey);
    for (let i = 0; i < 10; i++) {
      const created = await api.post('/v1/report-generate-requests', invoiceRequest('536365'));
      if (created.status !== 201) throw new Error(`POST failed: ${created.status} ${JSON.stringify(created.body)}`);
      const { final } = await api.waitForRun(String(created.body.id), { timeoutMs: 120_000, intervalMs: 50 });
      if (final.status !== 'SUCCEEDED') throw new Error(`run ended ${String(final.status)}`);
    }
    out['worker after 10 PDFs'] = mib('worker');
    out['worker peak'] = mib('worker', 'peakBytes');
    return out;
  } finally {
    await service.stop();
  }
}

const samples = { compiled: [] as Partial<Figures>[], tsx: [] as Partial<Figures>[] };
for (let round = 0; round < rounds; round++) {
  samples.tsx.push(await measure(false));
  samples.compiled.push(await measure(true));
}
const med = (list: Partial<Figures>[], key: keyof Figures) => {
  const values = list.map((s) => s[key]).filter((v): v is number => v !== undefined);
  return values.length ? percentile(values.sort((a, b) => a - b), 50) : undefined;
};
const rows = FIGURES.flatMap((key) => {
  const compiled = med(samples.compiled, key);
  const tsx = med(samples.tsx, key);
  if (compiled === undefined || tsx === undefined) return [];
  return [[key, compiled.toFixed(0), tsx.toFixed(0), (compiled - tsx).toFixed(0)]];
});
console.log(`reportflow process memory, ${commitLine(process.cwd())}; ${machineLine()}; ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite'}; median of ${rounds} rounds`);
console.log(markdownTable(['process, figure', 'compiled (npm start), MiB', 'sources through tsx, MiB', 'difference, MiB'], rows));
