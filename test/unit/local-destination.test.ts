/**
 * The LOCAL destination: deterministic paths under the root, keys relative to the root (a moved store keeps
 * working, old absolute file:// URIs included), atomic replace, and no way out of the root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import { fileDigest as fileDigestOf } from '../../src/platform/file-digest.js';
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

void test('put delivers the file to <root>/<tenant>/<code>/<request id>/<file name> and returns its key relative to the root', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'first');
    const dest = new LocalDestination(root);
    const { uri } = await dest.put(src, target);
    const expected = path.join(root, 'acme', 'INVOICE', 'r-1', 'INVOICE_536365_r-1.pdf');
    assert.equal(uri, 'local:///acme/INVOICE/r-1/INVOICE_536365_r-1.pdf');
    assert.equal(dest.pathOf(uri), expected);
    assert.equal(await readFile(expected, 'utf8'), 'first');
    assert.equal(await text(await dest.open(uri)), 'first');
  });
});

void test('a second put of the same target (a retry, a racing worker) keeps the first file, reports its digest and leaves no temporary file', async () => {
  await withDirs(async (root, src) => {
    const dest = new LocalDestination(root);
    await writeFile(src, 'first version');
    const first = await dest.put(src, target);
    assert.equal(first.kept, undefined);
    await writeFile(src, 'second');
    const second = await dest.put(src, target);
    assert.equal(second.uri, first.uri);
    assert.equal(await readFile(dest.pathOf(second.uri), 'utf8'), 'first version');
    assert.deepEqual(second.kept, { sizeBytes: 13, sha256: createHash('sha256').update('first version').digest('hex') });
    assert.deepEqual(await readdir(path.join(root, 'acme', 'INVOICE', 'r-1')), ['INVOICE_536365_r-1.pdf']);
  });
});

void test('of two puts of one target racing, one file stays and both report its digest, without a retry', async () => {
  await withDirs(async (root, src) => {
    const dest = new LocalDestination(root);
    const other = `${src}.other`;
    await writeFile(src, 'attempt A');
    await writeFile(other, 'attempt B, longer');
    // Many rounds: an attempt that removed a racing attempt's temporary file as a dead one's made it fail
    // with ENOENT (and two attempts retried at once could go on doing so to each other).
    for (let round = 0; round < 40; round++) {
      const racing = { ...target, requestId: `race-${round}` };
      const [a, b] = await Promise.all([dest.put(src, racing), dest.put(other, racing)]);
      const bytes = await readFile(dest.pathOf(a.uri));
      const digest = { sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      assert.deepEqual(a.kept ?? (await fileDigestOf(src)), digest);
      assert.deepEqual(b.kept ?? (await fileDigestOf(other)), digest);
      assert.deepEqual(await readdir(path.dirname(dest.pathOf(a.uri))), [path.basename(dest.pathOf(a.uri))], 'no temporary file stays');
    }
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

void test('a key names the same file under whatever root the store is opened at (moved, copied, re-mounted)', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'moved along');
    const { uri } = await new LocalDestination(root).put(src, target);
    const movedRoot = `${root}-moved`;
    await rename(root, movedRoot);
    const moved = new LocalDestination(movedRoot);
    assert.equal(moved.pathOf(uri), path.join(movedRoot, 'acme', 'INVOICE', 'r-1', 'INVOICE_536365_r-1.pdf'));
    assert.equal(await text(await moved.open(uri)), 'moved along');
    await rm(movedRoot, { recursive: true });
  });
});

void test('segments are percent-encoded in the key and decoded back, so any safe file name round-trips', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'x');
    const dest = new LocalDestination(root);
    const odd = { ...target, fileName: 'Faktura 536365 #1 (%20) ø.pdf' };
    const { uri } = await dest.put(src, odd);
    assert.equal(uri, `local:///acme/INVOICE/r-1/${encodeURIComponent(odd.fileName)}`);
    assert.equal(dest.pathOf(uri), dest.pathFor(odd));
  });
});

void test('an absolute file:// URI an older version recorded, under another (old) root, resolves by its last four segments under the current root', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'from an old record');
    const dest = new LocalDestination(root);
    await dest.put(src, target);
    const old = pathToFileURL(path.join('/srv/old-place/var/reports', 'acme', 'INVOICE', 'r-1', 'INVOICE_536365_r-1.pdf')).href;
    assert.equal(dest.pathOf(old), dest.pathFor(target));
    assert.equal(await text(await dest.open(old)), 'from an old record');
    // The URI main wrote for this very root still works, too.
    assert.equal(await text(await dest.open(pathToFileURL(dest.pathFor(target)).href)), 'from an old record');
    await dest.remove(old);
    assert.deepEqual(await readdir(path.join(root, 'acme', 'INVOICE')), [], 'DELETE of an old record removes the file and its folder');
  });
});

void test('keys that could name anything outside the root are refused: .., absolute paths, other schemes, short old URIs', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'secret');
    const dest = new LocalDestination(root);
    for (const bad of [
      'local:///acme/../INVOICE/x.pdf',
      'local:///acme/INVOICE/r-1/..',
      'local:///acme/INVOICE/%2E%2E/x.pdf',
      'local:///acme/INVOICE/r-1/..%2F..%2Fsecret',
      'local:///acme/INVOICE/r-1/a%5Cb',
      'local:///acme/INVOICE/r-1/a%00b',
      'local:///acme/INVOICE/r-1/%E0%A4%A',
      'local:////etc/passwd',
      'local:////etc/a/b/c',
      'local:///acme/INVOICE/x.pdf',
      'local:///acme/INVOICE/r-1/x/y.pdf',
      'local:///acme//r-1/x.pdf',
      'acme/INVOICE/r-1/x.pdf',
      '/etc/passwd',
      src,
      pathToFileURL(src).href.replace(/^file:\/\//, 'file://host.example'),
      'file:///etc/passwd',
      `file:///a/b/../../../../etc/passwd`,
      `${pathToFileURL(root).href}/acme/INVOICE/r-1/..%2F..%2Fstaged.pdf`,
      'https://example.com/acme/INVOICE/r-1/x.pdf',
      's3://bucket/acme/INVOICE/r-1/x.pdf',
    ]) {
      await assert.rejects(dest.open(bad), /not a report key|unsafe path segment/, bad);
      await assert.rejects(dest.remove(bad), /not a report key|unsafe path segment/, bad);
    }
  });
});

void test('whatever an old file:// URI named, it resolves inside the current root only', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'secret');
    const dest = new LocalDestination(root);
    // The staged file beside the root, named as if it were a report: only its last four segments count.
    const outside = pathToFileURL(path.join(path.dirname(root), 'x', 'y', 'z', 'staged.pdf')).href;
    assert.ok(dest.pathOf(outside).startsWith(root + path.sep));
    await assert.rejects(dest.open(outside), { code: 'ENOENT' });
  });
});

void test('open of a delivered file that is gone throws ENOENT at once', async () => {
  await withDirs(async (root) => {
    const dest = new LocalDestination(root);
    await assert.rejects(dest.open('local:///acme/INVOICE/r-1/gone.pdf'), { code: 'ENOENT' });
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

void test('a sealed source on the same filesystem is hard-linked, not copied; an unsealed one is copied', async () => {
  await withDirs(async (root, src) => {
    await writeFile(src, 'sealed bytes');
    const dest = new LocalDestination(root);
    const linked = dest.pathOf((await dest.put(src, target, { sealed: true })).uri);
    assert.equal((await stat(linked)).ino, (await stat(src)).ino, 'one file, two names');
    assert.equal((await stat(linked)).nlink, 2, 'no temporary name is left on it');
    await rm(src);
    assert.equal(await readFile(linked, 'utf8'), 'sealed bytes', 'removing the staged name keeps the report');
    // A retried sealed export (another attempt's file) keeps the first file and reports its digest.
    await writeFile(src, 'a later attempt');
    const retried = await dest.put(src, target, { sealed: true });
    assert.deepEqual(retried.kept, { sizeBytes: 12, sha256: createHash('sha256').update('sealed bytes').digest('hex') });
    assert.equal(await readFile(linked, 'utf8'), 'sealed bytes');
    assert.equal((await stat(src)).nlink, 1, 'the later attempt\'s file got no second name');
    assert.deepEqual(await readdir(path.dirname(linked)), [path.basename(linked)]);
    await rm(src);
    await writeFile(src, 'unsealed bytes');
    const other = { ...target, requestId: 'r-2' };
    const copied = dest.pathOf((await dest.put(src, other)).uri);
    assert.notEqual((await stat(copied)).ino, (await stat(src)).ino);
    assert.equal(await readFile(copied, 'utf8'), 'unsealed bytes');
  });
});

void test('a sealed source on another filesystem (tmpfs /dev/shm) is copied', async () => {
  const shm = await mkdtemp('/dev/shm/reportflow-dest-');
  try {
    await withDirs(async (root) => {
      const src = path.join(shm, 'staged.pdf');
      await writeFile(src, 'across devices');
      const dest = new LocalDestination(root);
      await dest.ping();
      assert.notEqual((await stat(root)).dev, (await stat(src)).dev, 'the two are on different filesystems here');
      const delivered = dest.pathOf((await dest.put(src, target, { sealed: true })).uri);
      assert.equal(await readFile(delivered, 'utf8'), 'across devices');
      assert.equal((await stat(delivered)).nlink, 1);
    });
  } finally {
    await rm(shm, { recursive: true, force: true });
  }
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
