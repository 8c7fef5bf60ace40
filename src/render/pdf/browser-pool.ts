/**
 * One shared Chromium per worker process, supervised like a process (as gotenberg does): launched
 * lazily on the first render, a new page per render, at most `maxConcurrentPages` pages at once
 * (the rest wait), restarted after `restartAfterRenders` renders to bound memory growth, relaunched
 * at once when it crashed or disconnected (so the next render does not pay the launch), and closed on
 * shutdown. A crash loop is bounded: a browser relaunched after a crash that dies again before serving
 * a render is not relaunched eagerly a second time; the next render launches one (and fails if it cannot).
 *
 * A retiring browser finishes the renders it has before it is closed; new renders go to its successor.
 *
 * Every page handed out is locked down first (`lockDownPage`: JavaScript off, offline, every request
 * but `data:`/`about:` aborted). Opening and locking down a page takes four DevTools round trips and
 * costs the browser a new renderer document: measured 103 ms per PDF with a new page against 32 ms with
 * a page reused (issue 11, raw Puppeteer, one invoice). So a page that rendered cleanly goes back to the
 * pool and serves the next render (one per slot, at most `PAGE_USES` renders each): the next render's
 * `setContent` replaces the whole document, and with JavaScript off and the network shut nothing of one
 * report can reach the next. A page whose render failed or was aborted is closed, never reused. When no
 * page is idle a locked-down spare, opened in the background, is taken.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type LaunchOptions, type Page } from 'puppeteer-core';
import { headlessModeFor } from './find-chromium.js';
import { profileDirPrefix } from './orphaned-browsers.js';
import { Semaphore } from './semaphore.js';

/** util-linux's setpriv (Debian's util-linux package, always installed there): sets the parent-death signal. */
const SETPRIV = '/usr/bin/setpriv';

/**
 * Chromium flags: headless, no GPU, no background traffic, /tmp instead of a small /dev/shm.
 * `--host-resolver-rules` makes every host (IP literals included) unresolvable: request interception
 * stops requests, but `<link rel=preconnect>` and iframe navigations still open TCP connections below
 * it; with nothing resolvable, a report page cannot reach any server (no SSRF from templates or data).
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-dev-shm-usage',
  '--mute-audio',
  '--hide-scrollbars',
  '--host-resolver-rules=MAP * ~NOTFOUND',
] as const;

/** How reportflow launches a browser binary: Puppeteer's `executablePath`, `args` and `headless`. */
export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  headless: true | 'shell';
}

/**
 * The launch options of `executable` with `CHROMIUM_ARGS`, a headless shell in its own mode (see
 * `headlessModeFor`). The pool launches this way, and so do the benchmark's peers, so that they print
 * with the same browser in the same mode.
 */
export function chromiumLaunchOptions(executable: string): ChromiumLaunch {
  return { executablePath: executable, args: [...CHROMIUM_ARGS], headless: headlessModeFor(executable) };
}

export interface BrowserPoolOptions {
  /** The browser binary; called at each launch, so a missing browser fails the render, not the worker's start. */
  executablePath: () => string;
  /** Pages rendering at once. */
  maxConcurrentPages: number;
  /** Renders after which the browser is replaced (0: never). */
  restartAfterRenders: number;
  /** Launch timeout in ms. @default 30000 */
  launchTimeoutMs?: number;
  /** Told about launches, exits and restarts, for the log. */
  onEvent?: (event: BrowserPoolEvent) => void;
  /**
   * Launch the browser so that the kernel kills it when this process dies, even by SIGKILL (Linux with
   * `/usr/bin/setpriv`: `--pdeathsig KILL`); elsewhere a browser left by a dead worker is reaped at the
   * next worker's start (`reapOrphanedBrowsers`). @default true
   */
  dieWithParent?: boolean;
}

export type BrowserPoolEvent =
  | { type: 'launched'; pid: number | undefined; launchMs: number }
  | { type: 'retired'; pid: number | undefined; renders: number }
  | { type: 'disconnected'; pid: number | undefined }
  /** The relaunch after a crash failed; the next render tries again (and fails with the launch's error if it cannot). */
  | { type: 'relaunch-failed'; pid: undefined; error: string };

/** Figures for tests and logs. */
export interface BrowserPoolStats {
  /** Browsers launched since the pool was made. */
  launches: number;
  /** Renders started since the pool was made. */
  renders: number;
  /** Renders holding one of the `maxConcurrentPages` slots (waiting for the launch, or on a page). */
  activePages: number;
  /** Renders waiting for a page slot. */
  waiting: number;
  /** Process id of the current browser, if one is running. */
  pid: number | undefined;
  /** The current browser's profile directory (a fresh temporary one per launch). */
  profileDir: string | undefined;
}

/** Renders one page serves before it is closed (bounds what a long-lived renderer document accumulates). */
export const PAGE_USES = 100;

interface Generation {
  browser: Browser;
  userDataDir: string;
  pid: number | undefined;
  renders: number;
  active: number;
  retired: boolean;
  /** Launched eagerly after its predecessor crashed, not for a render. */
  eager: boolean;
  /** A fresh, locked-down page waiting for the next render. */
  spare?: Promise<Page>;
  /** Pages that rendered cleanly and wait for the next render, with the renders each has served. */
  idle: { page: Page; uses: number }[];
}

/**
 * Locks a page down before any report HTML reaches it: JavaScript off, offline, and request
 * interception that lets only `data:` and `about:` URLs through (templates inline their CSS).
 */
export async function lockDownPage(page: Page): Promise<void> {
  await page.setJavaScriptEnabled(false);
  await page.setOfflineMode(true);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('about:')) void request.continue().catch(() => undefined);
    else void request.abort('blockedbyclient').catch(() => undefined);
  });
}

export class BrowserPool {
  private readonly slots: Semaphore;
  /** The browser new renders go to. */
  private live: Generation | undefined;
  /** The launch under way, shared by every render that waits for it. */
  private launching: Promise<Generation> | undefined;
  /** Every browser not yet closed, the live one and retiring ones. */
  private readonly generations = new Set<Generation>();
  private launches = 0;
  private renders = 0;
  private closed = false;

  constructor(private readonly options: BrowserPoolOptions) {
    this.slots = new Semaphore(options.maxConcurrentPages);
  }

  /**
   * Runs `fn` on a fresh page of the shared browser and closes the page afterwards, whatever happens.
   * When `signal` aborts, the page is closed at once and the call rejects with an AbortError right
   * away; the page slot is freed once Chromium has actually closed the page.
   * @throws Error when the pool is closed, the browser cannot be launched, or `fn` fails.
   */
  async withPage<T>(fn: (page: Page) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) throw new Error('browser pool is closed');
    const release = await this.slots.acquire(signal);
    const job = this.runOnPage(fn, signal).finally(release);
    return signal ? rejectOnAbort(job, signal) : job;
  }

  private async runOnPage<T>(fn: (page: Page) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    signal?.throwIfAborted();
    const gen = await this.generation();
    gen.active++;
    gen.renders++;
    this.renders++;
    if (this.options.restartAfterRenders > 0 && gen.renders >= this.options.restartAfterRenders) this.retire(gen);
    let taken: { page: Page; uses: number } | undefined;
    const closePage = () => void taken?.page.close().catch(() => undefined);
    signal?.addEventListener('abort', closePage, { once: true });
    let clean = false;
    try {
      taken = await this.takePage(gen);
      signal?.throwIfAborted();
      const result = await fn(taken.page);
      clean = true;
      return result;
    } finally {
      signal?.removeEventListener('abort', closePage);
      if (taken && !taken.page.isClosed()) {
        const reusable = clean && !signal?.aborted && !gen.retired && !this.closed && gen.browser.connected && taken.uses + 1 < PAGE_USES;
        if (reusable) gen.idle.push({ page: taken.page, uses: taken.uses + 1 });
        else await taken.page.close().catch(() => undefined);
      }
      gen.active--;
      if (gen.retired && gen.active === 0) await this.dispose(gen);
    }
  }

  /** An idle page if one is healthy, else the spare if it is ready and healthy, else a new one (then the next spare). */
  private async takePage(gen: Generation): Promise<{ page: Page; uses: number }> {
    for (let idle = gen.idle.pop(); idle; idle = gen.idle.pop()) {
      if (!idle.page.isClosed()) return idle;
    }
    return { page: await this.freshPage(gen), uses: 0 };
  }

  private async freshPage(gen: Generation): Promise<Page> {
    const spare = gen.spare;
    gen.spare = undefined;
    let page = spare ? await spare.catch(() => undefined) : undefined;
    if (!page || page.isClosed()) page = await openLockedPage(gen.browser);
    // Only when no spare is on its way: concurrent takers would otherwise each open one, and all but
    // the last would be dropped unclosed (seen: 43 and 57 idle pages after two rounds of load).
    if (!gen.spare && !gen.retired && !this.closed && gen.browser.connected) {
      gen.spare = openLockedPage(gen.browser);
      gen.spare.catch(() => undefined); // a failed spare is replaced at the next take
    }
    return page;
  }

  stats(): BrowserPoolStats {
    return { launches: this.launches, renders: this.renders, activePages: this.slots.active, waiting: this.slots.waiting, pid: this.live?.pid, profileDir: this.live?.userDataDir };
  }

  /**
   * Pages open in the pool's browsers right now, as Chromium counts them (renders under way, the spare,
   * and the blank page a browser starts with).
   */
  async openPages(): Promise<number> {
    const counts = await Promise.all([...this.generations].map((g) => g.browser.pages().then((p) => p.length, () => 0)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Closes every browser (without waiting for running renders) and refuses further renders. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.launching?.catch(() => undefined);
    this.live = undefined;
    await Promise.all([...this.generations].map((g) => this.dispose(g)));
  }

  /** The live browser; launched when there is none, it was retired, or it died. */
  private async generation(): Promise<Generation> {
    const live = this.live;
    if (live && live.browser.connected && !live.retired) return live;
    if (live) this.retire(live);
    return this.startLaunch(false);
  }

  /** The launch under way, or a new one. */
  private startLaunch(eager: boolean): Promise<Generation> {
    this.launching ??= this.launch(eager).finally(() => {
      this.launching = undefined;
    });
    return this.launching;
  }

  /**
   * After `crashed` disconnected while live: a successor now, unless the pool is closed, one is live or
   * launching already, or `crashed` was itself an eager relaunch that never rendered (a crash loop).
   */
  private relaunchAfterCrash(crashed: Generation): void {
    if (this.closed || this.live || this.launching || (crashed.eager && crashed.renders === 0)) return;
    this.startLaunch(true).catch((err: unknown) => {
      this.options.onEvent?.({ type: 'relaunch-failed', pid: undefined, error: err instanceof Error ? err.message : String(err) });
    });
  }

  private async launch(eager: boolean): Promise<Generation> {
    const started = Date.now();
    // The profile directory names this process, so a browser it leaves behind can be told from a live one's.
    const userDataDir = await mkdtemp(path.join(os.tmpdir(), profileDirPrefix(process.pid)));
    let browser: Browser;
    try {
      const chromium = chromiumLaunchOptions(this.options.executablePath());
      browser = await puppeteer.launch({
        ...this.command(chromium, userDataDir),
        headless: chromium.headless,
        userDataDir,
        // DevTools over the process's own pipes, not a TCP port any local process could drive.
        pipe: true,
        timeout: this.options.launchTimeoutMs ?? 30_000,
        // The worker's own shutdown closes the pool; Puppeteer must not race it on signals.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (err) {
      await rm(userDataDir, { recursive: true, force: true });
      throw err;
    }
    this.launches++;
    const gen: Generation = { browser, userDataDir, pid: browser.process()?.pid, renders: 0, active: 0, retired: false, eager, idle: [] };
    this.generations.add(gen);
    if (this.closed) {
      // close() ran while we were launching.
      await this.dispose(gen);
      throw new Error('browser pool is closed');
    }
    browser.once('disconnected', () => {
      if (!this.generations.has(gen)) return; // closed by us
      const wasLive = this.live === gen;
      this.options.onEvent?.({ type: 'disconnected', pid: gen.pid });
      this.retire(gen);
      if (gen.active === 0) void this.dispose(gen);
      if (wasLive) this.relaunchAfterCrash(gen);
    });
    this.live = gen;
    this.options.onEvent?.({ type: 'launched', pid: gen.pid, launchMs: Date.now() - started });
    return gen;
  }

  /**
   * The program and arguments to launch: Chromium itself, or, where the kernel can tie the browser's
   * life to ours, `setpriv --pdeathsig KILL -- chromium <Puppeteer's arguments>` (setpriv execs Chromium,
   * so the PID is the browser's; when the browser's main process dies its children exit too, measured:
   * the whole tree of 10 processes gone within 2 s of a SIGKILL to the worker).
   */
  private command(chromium: ChromiumLaunch, userDataDir: string): Pick<LaunchOptions, 'executablePath' | 'args' | 'ignoreDefaultArgs'> {
    if (this.options.dieWithParent === false || process.platform !== 'linux' || !existsSync(SETPRIV)) {
      return { executablePath: chromium.executablePath, args: chromium.args };
    }
    const chromiumArgs = puppeteer.defaultArgs({ headless: chromium.headless, args: chromium.args, userDataDir });
    return { executablePath: SETPRIV, ignoreDefaultArgs: true, args: ['--pdeathsig', 'KILL', '--', chromium.executablePath, ...chromiumArgs] };
  }

  /** Takes `gen` out of service; it is closed once its last page is done. */
  private retire(gen: Generation): void {
    if (gen.retired) return;
    gen.retired = true;
    if (this.live === gen) this.live = undefined;
    this.options.onEvent?.({ type: 'retired', pid: gen.pid, renders: gen.renders });
  }

  private async dispose(gen: Generation): Promise<void> {
    if (!this.generations.delete(gen)) return;
    gen.retired = true;
    if (this.live === gen) this.live = undefined;
    const spare = gen.spare;
    gen.spare = undefined;
    await spare?.then((page) => page.close()).catch(() => undefined);
    const idle = gen.idle.splice(0);
    await Promise.all(idle.map(({ page }) => page.close().catch(() => undefined)));
    await gen.browser.close().catch(() => gen.browser.process()?.kill('SIGKILL'));
    await rm(gen.userDataDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function openLockedPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  try {
    await lockDownPage(page);
    return page;
  } catch (err) {
    await page.close().catch(() => undefined);
    throw err;
  }
}

/**
 * `job`'s outcome, or an AbortError as soon as `signal` aborts (the job then finishes its own
 * clean-up in the background; its late rejection is expected and ignored).
 */
async function rejectOnAbort<T>(job: Promise<T>, signal: AbortSignal): Promise<T> {
  job.catch(() => undefined);
  if (signal.aborted) throw abortError(signal);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([job, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function abortError(signal: AbortSignal): Error {
  const err = new Error('The render was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}
