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
 * V8 flags of the worker process. `npm run worker` (package.json) passes the same flags.
 *
 * `--max-semi-space-size=2` (MiB) caps the young generation, where every run's short-lived objects
 * (rows, CSV chunks, workflow activations) are born: V8 lets it grow to tens of MiB on a machine with a
 * large heap limit, and RSS keeps what it grew to. Measured with `npm run bench` on PostgreSQL (worker
 * RSS after the runs / peak): default 394–400 / 461–470 MB; 4 MiB 315 / 339; 2 MiB 288 / 307, with
 * invoice throughput and the full CSV unchanged within the noise.
 *
 * `--heap-growing-percent=25` lets the old generation grow to 1.25 × what the last full collection left
 * before the next one, where V8 picks a factor up to 4 on a large machine when a run allocates fast.
 * Rows staged through the worker (the embedded engine's CSV, XLSX, XML) are promoted out of the small young
 * generation, and the old generation then grew from ~45 to ~200 MiB between collections: the worker peaked
 * at 473–491 MB on the embedded engine's full CSV. Measured with `npm run bench` (worker RSS 30 s after
 * the runs / peak, one run each, the flags tried in turn on one night): embedded default 269–284 / 473–491
 * MB, 1.25 289–290 / 291–292; PostgreSQL default 227–231 / 279–286, 1.25 221 / 262–266; 1.5 gave 237 / 309
 * embedded but 247–250 / 298–300 on PostgreSQL. The cost is more full collections: the embedded full CSV
 * took 22.5–23.9 s against 14.2–20.2 s, and `npm run bench -- --bulk 1000` on PostgreSQL (peak 268 MB
 * against 385–454) 181.6–182.9 s against 151.5–178.0 s, on a noisy machine; invoice PDFs and PostgreSQL's
 * CSV (COPY, no staging) moved within the noise. README "Benchmark" has every run.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=25'];

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
