/**
 * The LOCAL destination: deterministic paths under the root, atomic replace, and no way out of the root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import type { ExportTarget } from '../../src/destinations/destination.js';

async function withDirs(fn: (root: string, src: string) => Promise<void>): Promise<void> {
  const base = await mkdtemp(path.join(tmpdir(), 'reportflow-dest-'));
  try {
    await fn(path.join(base, 'reports'), path.join(base, 'staged.pdf'));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

const target: ExportTarget = { tenantId: 'acme', reportCode: 'INVOICE', requestId: 'r-1', fileName: 'INVOICE_536365_r-1.pdf' };

void test('put delivers the file to <root>/<tenant>/<code>/<request id>/<file name> and returns its file URI', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'first');
    const dest = new LocalDestination(root);
    const { uri } = await dest.put(src, target);
    const expected = path.join(root, 'acme', 'INVOICE', 'r-1', 'INVOICE_536365_r-1.pdf');
    assert.equal(uri, pathToFileURL(expected).href);
    assert.equal(await readFile(expected, 'utf8'), 'first');
    assert.equal(await text(dest.open(uri)), 'first');
  });
});

void test('a second put of the same target replaces the file and leaves no temporary file behind', async () => {
  await withDirs(async (root, src) => {
    const dest = new LocalDestination(root);
    await writeFile(src, 'first version');
    const first = await dest.put(src, target);
    await writeFile(src, 'second');
    const second = await dest.put(src, target);
    assert.equal(second.uri, first.uri);
    assert.equal(await readFile(fileURLToPath(second.uri), 'utf8'), 'second');
    assert.deepEqual(await readdir(path.join(root, 'acme', 'INVOICE', 'r-1')), ['INVOICE_536365_r-1.pdf']);
  });
});

void test('a failed put (missing source) leaves neither the file nor a temporary file', async () => {
  await withDirs(async (root, src) => {
    const dest = new LocalDestination(root);
    await assert.rejects(dest.put(src, target), { code: 'ENOENT' });
    assert.deepEqual(await readdir(path.join(root, 'acme', 'INVOICE', 'r-1')), []);
  });
});

void test('put refuses every segment that could leave its folder', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'x');
    const dest = new LocalDestination(root);
    for (const bad of [
      { tenantId: '..' },
      { tenantId: '' },
      { reportCode: '../../etc' },
      { requestId: '.' },
      { requestId: 'a/b' },
      { fileName: '..' },
      { fileName: 'x\\..\\y.pdf' },
      { fileName: 'a\0b' },
    ]) {
      await assert.rejects(dest.put(src, { ...target, ...bad }), /unsafe path segment/, JSON.stringify(bad));
    }
    await assert.rejects(readdir(root), { code: 'ENOENT' });
  });
});

void test('open refuses URIs outside the root, also through ..', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'secret');
    const dest = new LocalDestination(root);
    assert.throws(() => dest.open(pathToFileURL(src).href), /outside the reports directory/);
    assert.throws(() => dest.open(pathToFileURL(root).href + '/acme/../../staged.pdf'), /outside the reports directory/);
    assert.throws(() => dest.open(pathToFileURL(root).href), /outside the reports directory/);
    assert.throws(() => dest.open(`file://${root}-sibling/acme/x.pdf`), /outside the reports directory/);
    assert.throws(() => dest.open('https://example.com/x.pdf'), /not a file URI/);
  });
});

void test('open of a delivered file that is gone throws ENOENT at once', async () => {
  await withDirs(async (root) => {
    const dest = new LocalDestination(root);
    assert.throws(() => dest.open(pathToFileURL(path.join(root, 'acme', 'INVOICE', 'r-1', 'gone.pdf')).href), { code: 'ENOENT' });
  });
});

void test('a temporary file an interrupted delivery left (worker killed mid-copy) is removed by the next put and by remove', async () => {
  await withDirs(async (root, src) => {
    const dest = new LocalDestination(root);
    const dir = path.join(root, 'acme', 'INVOICE', 'r-1');
    const leftover = () => writeFile(path.join(dir, `.${target.fileName}.0b5e2f3c-dead-4bee-8f00-000000000000.tmp`), 'half a file');
    await writeFile(src, 'whole');
    await dest.put(src, target);
    await leftover();
    const { uri } = await dest.put(src, target);
    assert.deepEqual(await readdir(dir), [target.fileName], 'the retry swept the dead attempt\'s temporary file');
    await leftover();
    await dest.remove(uri);
    assert.deepEqual(await readdir(path.join(root, 'acme', 'INVOICE')), [], 'DELETE takes the temporary file and the folder too');
  });
});

void test('an aborted put stops the copy and leaves neither the file nor a temporary file', async () => {
  await withDirs(async (root, src) => {
    const dest = new LocalDestination(root);
    await writeFile(src, Buffer.alloc(64 * 1024 * 1024, 7));
    const ac = new AbortController();
    let copied = 0;
    const put = dest.put(src, target, { signal: ac.signal, onProgress: (bytes) => {
      copied = bytes;
      if (bytes >= 4 * 1024 * 1024) ac.abort();
    } });
    await assert.rejects(put, { name: 'AbortError' });
    assert.ok(copied < 64 * 1024 * 1024, `stopped after ${copied} bytes`);
    assert.deepEqual(await readdir(path.join(root, 'acme', 'INVOICE', 'r-1')), []);
  });
});

void test('withdraw removes the request\'s folder with whatever it holds, and is idempotent', async () => {
  await withDirs(async (root, src) => {
    const dest = new LocalDestination(root);
    await writeFile(src, 'x');
    await dest.put(src, target);
    await writeFile(path.join(root, 'acme', 'INVOICE', 'r-1', `.${target.fileName}.x.tmp`), 'half');
    await dest.withdraw(target);
    await dest.withdraw(target);
    assert.deepEqual(await readdir(path.join(root, 'acme', 'INVOICE')), []);
  });
});
