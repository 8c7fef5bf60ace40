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

/** Node.js arguments that run `entry`: its file, after `--import tsx` when running the sources. */
export function nodeArgsFor(entry: EntryPoint): string[] {
  return COMPILED ? [entryPath(entry)] : ['--import', 'tsx', entryPath(entry)];
}
