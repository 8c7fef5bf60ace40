import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS } from '../../src/data/migrations/index.js';
import { chinookScriptForSchema } from '../../src/data/migrations/0003-chinook.js';

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../src/data/migrations');

test('every migration file is listed, in file-name order, under its file name as id', async () => {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}-.*\.ts$/.test(f)).sort();
  assert.deepEqual(MIGRATIONS.map((m) => `${m.id}.ts`), files);
});

test('only the dataset loads are seed migrations', () => {
  assert.deepEqual(MIGRATIONS.filter((m) => m.seed).map((m) => m.id), ['0002-retail-seed', '0003-chinook']);
});

test('the Chinook script loses its database-level lines and keeps everything else', () => {
  const script = [
    '/* Drop database if it exists */', 'DROP DATABASE IF EXISTS chinook;', 'CREATE DATABASE chinook;', '\\c chinook;',
    "CREATE TABLE album (title VARCHAR(160));", "INSERT INTO album VALUES (N'Restless and Wild');",
  ].join('\n');
  assert.equal(chinookScriptForSchema(script), [
    '/* Drop database if it exists */', "CREATE TABLE album (title VARCHAR(160));", "INSERT INTO album VALUES (N'Restless and Wild');",
  ].join('\n'));
});

test('a script without the expected database-level lines is refused', () => {
  assert.throws(() => chinookScriptForSchema('CREATE TABLE album (id int);'), /expected 3 database-level lines/);
});
