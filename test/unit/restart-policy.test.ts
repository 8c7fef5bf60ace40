/**
 * The restart policy of `npm start` (src/main/restart-policy.ts) on a fake clock: capped exponential
 * backoff, a crash loop after `limit` restarts within the window, a fresh start after a quiet window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from '../../src/main/restart-policy.js';

const options = { initialDelayMs: 1_000, maxDelayMs: 8_000, limit: 5, windowMs: 300_000 };

function policyAt(start = 1_000_000): { policy: RestartPolicy; advance(ms: number): void } {
  let now = start;
  return { policy: new RestartPolicy(options, () => now), advance: (ms) => (now += ms) };
}

test('delays double from the first restart and stop growing at the maximum', () => {
  const { policy, advance } = policyAt();
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const d = policy.onCrash();
    assert.equal(d.action, 'restart');
    if (d.action === 'restart') {
      assert.equal(d.attempt, i + 1);
      delays.push(d.delayMs);
      advance(d.delayMs + 2_000);
    }
  }
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 8_000]);
});

test('one crash more than the limit within the window is a crash loop', () => {
  const { policy, advance } = policyAt();
  for (let i = 0; i < 5; i++) {
    assert.equal(policy.onCrash().action, 'restart');
    advance(10_000);
  }
  assert.deepEqual(policy.onCrash(), { action: 'give-up', crashes: 6, windowMs: 300_000, limit: 5 });
});

test('crashes older than the window are forgotten: a child that ran a while starts again from the first delay', () => {
  const { policy, advance } = policyAt();
  for (let i = 0; i < 5; i++) {
    policy.onCrash();
    advance(1_000);
  }
  advance(300_000);
  assert.deepEqual(policy.onCrash(), { action: 'restart', attempt: 1, delayMs: 1_000 });
});

test('crashes spread wider than the window never make a crash loop', () => {
  const { policy, advance } = policyAt();
  for (let i = 0; i < 50; i++) {
    const d = policy.onCrash();
    assert.equal(d.action, 'restart', `crash ${i + 1}`);
    advance(61_000); // five crashes per 305 s: at most 5 inside any 300 s window
  }
});

test('a limit of 0 restarts nothing: the first crash stops the service', () => {
  const policy = new RestartPolicy({ ...options, limit: 0 }, () => 0);
  assert.deepEqual(policy.onCrash(), { action: 'give-up', crashes: 1, windowMs: 300_000, limit: 0 });
});
