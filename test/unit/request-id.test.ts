/**
 * Request ids sort as they were made: listings order by (created_at, id), so two requests created in
 * the same millisecond (created_at ties in stores that keep milliseconds) still list newest first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7 } from '../../src/requests/request-id.js';

void test('ids made in the same millisecond sort in the order they were made, and are UUIDv7', () => {
  const ids = Array.from({ length: 2_000 }, () => uuidv7());
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const ms = Number.parseInt(ids[0]!.replaceAll('-', '').slice(0, 12), 16);
  assert.ok(Math.abs(ms - Date.now()) < 5_000, 'the first 48 bits are the Unix time in ms');
});
