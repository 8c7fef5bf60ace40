import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorEffect, HeldCursors } from '../../src/data/held-cursors.js';

/** A simple Query message: 'Q', Int32 length, the SQL as a C string. */
function query(sql: string): Uint8Array {
  const text = Buffer.from(sql, 'utf8');
  const message = Buffer.alloc(1 + 4 + text.length + 1);
  message[0] = 0x51;
  message.writeInt32BE(4 + text.length + 1, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}

/** A Parse message as node-postgres sends one: 'P', Int32 length, statement name, SQL, parameter type count 0. */
function parse(sql: string, statement = ''): Uint8Array {
  const body = Buffer.concat([Buffer.from(`${statement}\0${sql}\0`, 'utf8'), Buffer.from([0, 0])]);
  const message = Buffer.alloc(1 + 4 + body.length);
  message[0] = 0x50;
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return new Uint8Array(message);
}

test('DECLARE … WITH HOLD is seen in a simple Query and in a Parse, in each form PostgreSQL accepts', () => {
  assert.deepEqual(cursorEffect(query('DECLARE c CURSOR WITH HOLD FOR SELECT 1')), { declares: 'c' });
  assert.deepEqual(cursorEffect(parse('DECLARE reportflow_stream_ab12 NO SCROLL CURSOR WITH HOLD FOR SELECT $1::int')), { declares: 'reportflow_stream_ab12' });
  assert.deepEqual(cursorEffect(parse('declare c2 binary insensitive scroll cursor with hold for select 1', 's1')), { declares: 'c2' });
  assert.deepEqual(cursorEffect(query('\n  DECLARE MixedCase CURSOR WITH HOLD FOR SELECT 1')), { declares: 'mixedcase' });
  assert.deepEqual(cursorEffect(query('DECLARE "Quoted ""x""" CURSOR WITH HOLD FOR SELECT 1')), { declares: 'Quoted "x"' });
});

test('cursors that end with their transaction, and other statements, are not held cursors', () => {
  assert.equal(cursorEffect(query('DECLARE c CURSOR FOR SELECT 1')), undefined);
  assert.equal(cursorEffect(query('DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1')), undefined);
  assert.equal(cursorEffect(query("SELECT 'DECLARE c CURSOR WITH HOLD FOR'")), undefined);
  assert.equal(cursorEffect(query('COMMIT')), undefined);
  assert.equal(cursorEffect(parse('CLOSE c; SELECT 1')), undefined);
  // Bind, Execute, Sync: not statements.
  assert.equal(cursorEffect(new Uint8Array([0x53, 0, 0, 0, 4])), undefined);
});

test('CLOSE name and CLOSE ALL are seen', () => {
  assert.deepEqual(cursorEffect(query('CLOSE reportflow_stream_ab12')), { closes: 'reportflow_stream_ab12' });
  assert.deepEqual(cursorEffect(parse('close "Quoted";')), { closes: 'Quoted' });
  assert.deepEqual(cursorEffect(query('CLOSE ALL')), { closesAll: true });
});

test('a connection is left with the held cursors it declared and nobody closed', () => {
  const held = new HeldCursors();
  held.note(1, query('DECLARE a CURSOR WITH HOLD FOR SELECT 1'));
  held.note(1, query('DECLARE b CURSOR WITH HOLD FOR SELECT 1'));
  held.note(2, query('CLOSE b')); // cursor names are per session, shared by all connections
  assert.deepEqual(held.takeLeftBy(1), ['a']);
  assert.deepEqual(held.takeLeftBy(1), [], 'taken once');
});

test("a DECLARE reusing another connection's open cursor name (which the server refuses) does not make it this connection's", () => {
  const held = new HeldCursors();
  held.note(1, query('DECLARE a CURSOR WITH HOLD FOR SELECT 1'));
  held.note(2, query('DECLARE a CURSOR WITH HOLD FOR SELECT 2'));
  assert.deepEqual(held.takeLeftBy(2), []);
  assert.deepEqual(held.takeLeftBy(1), ['a']);
});

test('CLOSE ALL leaves nobody any cursor', () => {
  const held = new HeldCursors();
  held.note(1, query('DECLARE a CURSOR WITH HOLD FOR SELECT 1'));
  held.note(2, query('DECLARE b CURSOR WITH HOLD FOR SELECT 1'));
  held.note(3, query('CLOSE ALL'));
  assert.deepEqual([...held.takeLeftBy(1), ...held.takeLeftBy(2)], []);
});
