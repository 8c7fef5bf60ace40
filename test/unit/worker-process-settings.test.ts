/**
 * The worker's memory settings (src/main/entry-points.ts) reach it both ways it is started: by
 * `npm start` (its supervisor) and by `npm run worker` (package.json), and only the worker gets them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nodeArgsFor, WORKER_ENV_DEFAULTS, WORKER_NODE_FLAGS } from '../../src/main/entry-points.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

void test('the worker is started with its V8 flags before its file; the other processes without them', () => {
  const args = nodeArgsFor('worker');
  assert.deepEqual(args.slice(0, WORKER_NODE_FLAGS.length), [...WORKER_NODE_FLAGS]);
  assert.ok(args.at(-1)!.endsWith(`worker${path.extname(args.at(-1)!)}`));
  for (const entry of ['api', 'embedded-db', 'watchdog'] as const) {
    for (const flag of WORKER_NODE_FLAGS) assert.ok(!nodeArgsFor(entry).includes(flag), `${entry}: ${flag}`);
  }
});

void test('npm run worker passes the same flags and environment defaults, and keeps an operator\'s own', () => {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = scripts.worker!;
  for (const flag of WORKER_NODE_FLAGS) assert.match(script, new RegExp(` ${flag} .*dist/src/main/worker\\.js$`));
  for (const [name, value] of Object.entries(WORKER_ENV_DEFAULTS)) assert.ok(script.includes(`${name}=\${${name}:-${value}} `), script);
});
