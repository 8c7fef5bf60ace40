/**
 * keepAlive heartbeats a remote activity while it waits, and leaves a local one alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from '@temporalio/activity';
import { KEEP_ALIVE_EVERY_MS, keepAlive } from '../../activities/keep-alive.js';

function fakeContext(isLocal: boolean): { ctx: Pick<Context, 'heartbeat' | 'info'>; beats: unknown[] } {
  const beats: unknown[] = [];
  return { ctx: { heartbeat: (d?: unknown) => void beats.push(d), info: { isLocal } as Context['info'] }, beats };
}

void test('a remote activity heartbeats at once, with each progress, and every second while it waits', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const { ctx, beats } = fakeContext(false);
  const alive = keepAlive(ctx, { rows: 0 });
  alive.progress({ rows: 10 });
  t.mock.timers.tick(KEEP_ALIVE_EVERY_MS * 2);
  alive.stop();
  t.mock.timers.tick(KEEP_ALIVE_EVERY_MS * 2);
  assert.deepEqual(beats, [{ rows: 0 }, { rows: 10 }, { rows: 10 }, { rows: 10 }]);
});

void test('a local activity (an inline run\'s stage) never heartbeats: the server does not know it', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const { ctx, beats } = fakeContext(true);
  const alive = keepAlive(ctx, { rows: 0 });
  alive.progress({ rows: 10 });
  t.mock.timers.tick(KEEP_ALIVE_EVERY_MS * 3);
  alive.stop();
  assert.deepEqual(beats, []);
});
