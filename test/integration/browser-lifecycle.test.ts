/**
 * The shared Chromium's lifecycle with a real browser: pages are closed under concurrency, the browser
 * is driven over a pipe (no DevTools port), it dies with the process that launched it (even SIGKILL),
 * and browsers orphaned by an earlier, dead worker are reaped.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrowserPool } from '../../src/render/pdf/browser-pool.js';
import { findChromium } from '../../src/render/pdf/find-chromium.js';
import { profileDirPrefix, reapOrphanedBrowsers } from '../../src/render/pdf/orphaned-browsers.js';
import { isAlive as alive } from '../../src/platform/process-alive.js';

const PROJECT = path.resolve(import.meta.dirname, '../..');
const chromium = () => findChromium({ chromiumPath: undefined, home: PROJECT })!.path;
const pools: BrowserPool[] = [];
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});


/** Waits up to `ms` for `pid` to be gone. */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) if (!alive(pid)) return true;
  return !alive(pid);
}

void test('concurrent renders leave no page open beyond the browser\'s own, one reusable page per slot and the spare', async () => {
  const pool = new BrowserPool({ executablePath: chromium, maxConcurrentPages: 4, restartAfterRenders: 0 });
  pools.push(pool);
  const render = () => pool.withPage(async (page) => page.setContent('<p>hello</p>'));
  await render();
  await sleep(300);
  // After one render: the browser's own page, the page that rendered (kept for reuse) and the spare.
  const baseline = await pool.openPages();
  for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 16 }, render));
  await sleep(500); // the next spare is opened in the background
  const open = await pool.openPages();
  // At most one kept page per slot (4): three more than after one render, however many renders ran.
  assert.ok(open <= baseline + 3, `after 48 concurrent renders ${open} pages are open (after one render: ${baseline})`);
  for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 16 }, render));
  await sleep(500);
  assert.equal(await pool.openPages(), open, 'pages kept for reuse do not grow with more renders');
});

void test('a page that rendered cleanly serves the next render with only that render\'s document; a failed render\'s page is closed', async () => {
  const pool = new BrowserPool({ executablePath: chromium, maxConcurrentPages: 1, restartAfterRenders: 0 });
  pools.push(pool);
  const first = await pool.withPage(async (page) => {
    await page.setContent('<p>invoice for ACME</p>');
    return page;
  });
  const second = await pool.withPage(async (page) => {
    await page.setContent('<p>invoice for Globex</p>');
    return { page, html: await page.content() };
  });
  assert.equal(second.page, first, 'the clean page was reused');
  assert.ok(second.html.includes('Globex') && !second.html.includes('ACME'), second.html);
  await assert.rejects(pool.withPage(async () => {
    throw new Error('template failed');
  }));
  assert.equal(first.isClosed(), true, 'the page of a failed render is closed, not reused');
  const third = await pool.withPage(async (page) => page);
  assert.notEqual(third, first);
});

void test('the browser is driven over a pipe: no DevTools port is open', async () => {
  const pool = new BrowserPool({ executablePath: chromium, maxConcurrentPages: 1, restartAfterRenders: 0 });
  pools.push(pool);
  await pool.withPage(async (page) => page.setContent('<p>hello</p>'));
  const pid = pool.stats().pid!;
  const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  assert.ok(args.includes('--remote-debugging-pipe'), args.join(' '));
  assert.ok(!args.some((a) => a.startsWith('--remote-debugging-port')), 'no TCP DevTools endpoint');
});

/** Starts test/fixtures/browser-owner.ts; resolves with its PID and its browser's PID once it rendered. */
async function startBrowserOwner(): Promise<{ pid: number; browserPid: number; userDataDir: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT, 'test/fixtures/browser-owner.ts')], {
    cwd: PROJECT, stdio: ['ignore', 'pipe', 'inherit'], detached: true,
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`browser owner exited with ${code}`)));
  });
  child.unref();
  return JSON.parse(line) as { pid: number; browserPid: number; userDataDir: string };
}

void test('a worker killed with SIGKILL takes its Chromium (the whole process tree) with it', async () => {
  const owner = await startBrowserOwner();
  const group = await readFile(`/proc/${owner.browserPid}/stat`, 'utf8').then((s) => Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[2]));
  process.kill(owner.pid, 'SIGKILL');
  assert.ok(await goneWithin(owner.browserPid, 10_000), `Chromium ${owner.browserPid} outlived its worker`);
  await sleep(1000);
  const left: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (stat && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === group) left.push(Number(entry));
  }
  assert.deepEqual(left, [], `processes of Chromium's group ${group} still running`);
});

void test('browsers orphaned by a dead worker are reaped when the next worker starts', async () => {
  // An orphan as a worker without the parent-death signal leaves one: a browser whose profile directory
  // names a process that has exited, on a DevTools port (as launched before the pipe), in its own group.
  const dead = spawn('true');
  await new Promise((resolve) => dead.once('exit', resolve));
  const userDataDir = await mkdtemp(path.join(tmpdir(), profileDirPrefix(dead.pid!)));
  const orphan = spawn(chromium(), ['--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`, 'about:blank'], { detached: true, stdio: 'ignore' });
  orphan.unref();
  await sleep(1500);
  assert.ok(alive(orphan.pid!), 'the orphan runs');
  const pool = new BrowserPool({ executablePath: chromium, maxConcurrentPages: 1, restartAfterRenders: 0 });
  pools.push(pool);
  await pool.withPage(async (page) => page.setContent('<p>alive</p>'));

  const reaped = await reapOrphanedBrowsers();
  assert.ok(reaped.browsers.includes(orphan.pid!), JSON.stringify(reaped));
  assert.ok(await goneWithin(orphan.pid!, 5_000), 'the orphan was killed');
  assert.ok(reaped.profileDirs.includes(userDataDir) && !(await readdir(tmpdir())).includes(path.basename(userDataDir)), 'its profile directory was removed');
  // A live pool's browser is not an orphan.
  assert.ok(!reaped.browsers.includes(pool.stats().pid!));
  assert.ok(alive(pool.stats().pid!));
  await pool.withPage(async (page) => page.setContent('<p>still rendering</p>'));
});
