/**
 * The tests' port picker (test/helpers/free-port.ts): a service's five ports are picked one after another
 * before any is listened on, so the picker itself must never repeat a port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/free-port.js';

test('freePort never hands out the same port twice in one process, and each is below the ephemeral range', async () => {
  // 1,500 picks of 12,768 ports: random picks alone would repeat one ~88 times.
  const ports: number[] = [];
  for (let i = 0; i < 1_500; i++) ports.push(await freePort());
  assert.equal(new Set(ports).size, ports.length);
  assert.ok(ports.every((p) => p >= 20_000 && p <= 32_767));
});
