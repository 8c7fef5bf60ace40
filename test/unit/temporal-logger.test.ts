import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { temporalLogger } from '../../src/main/temporal-logger.js';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

test("an activity failure's log line carries the error's message and stack, and the SDK's other fields", () => {
  const { logger, lines } = capture();
  temporalLogger(logger).warn('Activity failed', { error: new Error('timeout exceeded when trying to connect'), activityType: 'recordRunState', durationMs: 10_003 });
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.msg, 'Activity failed');
  assert.equal(line.level, 40);
  assert.equal(line.activityType, 'recordRunState');
  assert.equal(line.durationMs, 10_003);
  const err = line.err as { message?: string; stack?: string };
  assert.equal(err.message, 'timeout exceeded when trying to connect');
  assert.match(err.stack ?? '', /temporal-logger\.test\.ts/);
  assert.equal('error' in line, false);
});

test("the SDK logger follows pino's level: below it nothing is written", () => {
  const { logger, lines } = capture('warn');
  const sdk = temporalLogger(logger);
  sdk.info('Worker state changed', { state: 'RUNNING' });
  sdk.error('Worker failed', { error: new Error('boom') });
  assert.deepEqual(lines.map((l) => [l.msg, (l.err as { message?: string } | undefined)?.message]), [['Worker failed', 'boom']]);
});
