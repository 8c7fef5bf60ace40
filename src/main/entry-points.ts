/**
 * How `npm start` runs its Node.js children (worker, API, embedded database, watchdog): as the
 * compiled JavaScript in dist/ when `npm start` itself runs from there (it builds it first with
 * `npm run build`, esbuild, transpiling only), else as the TypeScript sources through tsx (tests and
 * development). Compiled, a process is spared tsx's loader and its transpiling at start: the worker
 * idles at 268 MiB against 326 MiB through tsx, the API at 189 against 204 (`npm run bench:memory`,
 * README "Benchmark").
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `.js` when this file runs compiled (dist/), `.ts` when tsx runs the source. */
export const SOURCE_EXTENSION = path.extname(fileURLToPath(import.meta.url));

/** True when running the compiled JavaScript in dist/. */
export const COMPILED = SOURCE_EXTENSION === '.js';

/** The processes src/main starts, by file name (without extension). */
export type EntryPoint = 'worker' | 'api' | 'embedded-db' | 'watchdog';

/** The absolute path of `entry`'s file, in the same tree (dist/ or src/) as this one. */
export function entryPath(entry: EntryPoint): string {
  return fileURLToPath(new URL(`./${entry}${SOURCE_EXTENSION}`, import.meta.url));
}

/**
 * V8 flags of the worker process. `--max-semi-space-size=2` (MiB) caps the young generation, where
 * every run's short-lived objects (rows, CSV chunks, workflow activations) are born: V8 lets it grow to
 * tens of MiB on a machine with a large heap limit, and RSS keeps what it grew to. Measured with `npm run
 * bench` on PostgreSQL (worker RSS after the runs / peak): default 394–400 / 461–470 MB; 4 MiB 315 / 339;
 * 2 MiB 288 / 307, with invoice throughput and the full CSV unchanged within the noise.
 * `npm run worker` (package.json) passes the same flags.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/**
 * Environment defaults of the worker process (the operator's own values win). glibc gives a
 * multi-threaded process up to 8 malloc arenas per core (mallopt(3), M_ARENA_MAX), and the worker's
 * threads (libuv's pool, V8's, the Temporal core's Tokio runtime) each keep freed memory in their own:
 * with the 2 MiB young generation, two arenas took the worker's RSS after the benchmark's runs from 288
 * to 271 MB (265–282 MB in later runs; one arena gave 224–265 MB), with its throughput unchanged. `npm run worker` sets the same default.
 */
export const WORKER_ENV_DEFAULTS: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** Node.js arguments that run `entry`: its flags (see `WORKER_NODE_FLAGS`), then its file, after `--import tsx` when running the sources. */
export function nodeArgsFor(entry: EntryPoint): string[] {
  const flags = entry === 'worker' ? [...WORKER_NODE_FLAGS] : [];
  return COMPILED ? [...flags, entryPath(entry)] : [...flags, '--import', 'tsx', entryPath(entry)];
}
