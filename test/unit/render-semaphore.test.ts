import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { Semaphore } from '../../src/render/pdf/semaphore.js';

test('at most `permits` holders at once; waiters are served first come, first served', async () => {
  const sem = new Semaphore(2);
  const order: number[] = [];
  let running = 0;
  let peak = 0;
  await Promise.all([1, 2, 3, 4, 5].map(async (n) => {
    const release = await sem.acquire();
    running++;
    peak = Math.max(peak, running);
    order.push(n);
    await tick();
    running--;
    release();
  }));
  assert.equal(peak, 2);
  assert.deepEqual(order, [1, 2, 3, 4, 5]);
  assert.equal(sem.active, 0);
});

test('an aborted waiter leaves the queue without taking a permit', async () => {
  const sem = new Semaphore(1);
  const release = await sem.acquire();
  const ac = new AbortController();
  const waiting = sem.acquire(ac.signal);
  assert.equal(sem.waiting, 1);
  ac.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
  assert.equal(sem.waiting, 0);
  release();
  assert.equal(sem.active, 0);
  const again = await sem.acquire();
  again();
  again(); // releasing twice is harmless
  assert.equal(sem.active, 0);
});

test('permits must be a positive integer', () => {
  assert.throws(() => new Semaphore(0), RangeError);
});
