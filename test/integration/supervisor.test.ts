/**
 * `npm start`'s supervisor (src/main/supervisor.ts) and its start-time clean-up
 * (src/main/stale-processes.ts) with real, small child processes: restarts with a new PID and what is
 * logged, the crash loop, the order of a stop, a program under the watchdog, and processes that an
 * earlier start left behind. The whole service is exercised the same way in test/e2e/supervision.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Supervisor } from '../../src/main/supervisor.js';
import type { ManagedProcessOptions } from '../../src/main/managed-process.js';
import { readPidFiles, writePidFile } from '../../src/main/pid-files.js';
import { isAlive } from '../../src/platform/process-alive.js';
import { stopStaleProcesses } from '../../src/main/stale-processes.js';
import { PROJECT_ROOT } from '../helpers/service.js';

const dirs: string[] = [];
const spawned: number[] = [];
after(async () => {
  for (const pid of spawned) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function runDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'reportflow-supervisor-'));
  dirs.push(dir);
  return path.join(dir, 'run');
}

/** A Node child that prints "ready" and then runs `body` (JavaScript). */
function nodeChild(name: string, body = 'setInterval(() => {}, 1000);'): ManagedProcessOptions {
  return { name, command: process.execPath, args: ['-e', `console.log('ready'); ${body}`], env: process.env, cwd: PROJECT_ROOT, readyLine: /^ready$/, readyTimeoutMs: 30_000 };
}

function supervisorFor(dir: string, limit = 3) {
  const entries: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) entries.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let crashLoop: ((reason: string) => void) | undefined;
  const gaveUp = new Promise<string>((resolve) => (crashLoop = resolve));
  const supervisor = new Supervisor({
    policy: { initialDelayMs: 100, maxDelayMs: 400, limit, windowMs: 60_000 },
    runDir: dir,
    log: pino({ level: 'info' }, sink),
    say: (msg) => lines.push(msg),
    onCrashLoop: (reason) => crashLoop?.(reason),
  });
  return { supervisor, entries, lines, gaveUp };
}

async function pidOf(dir: string, name: string): Promise<number | undefined> {
  return (await readPidFiles(dir)).get(name)?.pid;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a child killed with SIGKILL is restarted with a new PID, logged with its signal, attempt and delay; the other child keeps running', async () => {
  const dir = await runDir();
  const { supervisor, entries } = supervisorFor(dir);
  try {
    await supervisor.start(nodeChild('first'));
    await supervisor.start(nodeChild('second'));
    const [first, second] = [await pidOf(dir, 'first'), await pidOf(dir, 'second')];
    process.kill(first!, 'SIGKILL');
    const restarted = await waitFor('a new PID', async () => {
      const pid = await pidOf(dir, 'first');
      return pid !== first ? pid : undefined;
    });
    assert.ok(isAlive(restarted!));
    assert.equal(await pidOf(dir, 'second'), second);
    assert.ok(isAlive(second!));
    const crash = entries.find((e) => e.child === 'first' && e.signal === 'SIGKILL');
    assert.deepEqual(crash && { childPid: crash.childPid, code: crash.code, attempt: crash.attempt, delayMs: crash.delayMs }, { childPid: first, code: null, attempt: 1, delayMs: 100 });
    assert.match(String(crash?.msg), /first exited unexpectedly \(signal SIGKILL\); restart 1 of at most 3 in 100 ms/);
    assert.ok(entries.some((e) => e.child === 'first' && e.childPid === restarted && /restarted/.test(String(e.msg))));
  } finally {
    await supervisor.stopAll();
  }
});

test('a child that keeps exiting is restarted with growing delays, then the crash loop is reported once', async () => {
  const dir = await runDir();
  const { supervisor, entries, gaveUp } = supervisorFor(dir, 2);
  try {
    // Ready, then exits with code 3 a moment later, every time.
    await supervisor.start(nodeChild('flaky', 'setTimeout(() => process.exit(3), 100);'));
    const reason = await gaveUp;
    assert.match(reason, /flaky exited \(exit code 3\) for the 3rd time within 60 s, more than the 2 restarts REPORTFLOW_RESTART_LIMIT allows/);
    assert.match(reason, /crash loop/);
    assert.deepEqual(entries.filter((e) => e.child === 'flaky' && e.delayMs !== undefined).map((e) => [e.code, e.attempt, e.delayMs]), [[3, 1, 100], [3, 2, 200]]);
  } finally {
    await supervisor.stopAll();
  }
});

test('stopAll stops the children last started first and removes their PID files', async () => {
  const dir = await runDir();
  const { supervisor, lines } = supervisorFor(dir);
  for (const name of ['a', 'b', 'c']) await supervisor.start(nodeChild(name));
  const pids = await Promise.all(['a', 'b', 'c'].map((n) => pidOf(dir, n)));
  await supervisor.stopAll();
  assert.deepEqual(lines, ['c stopped (signal SIGTERM)', 'b stopped (signal SIGTERM)', 'a stopped (signal SIGTERM)']);
  assert.deepEqual(pids.filter((pid) => isAlive(pid!)), []);
  assert.equal((await readPidFiles(dir)).size, 0);
});

test('a program under the watchdog: its own PID is recorded, killing it restarts it, and a stop reaches it', async () => {
  const dir = await runDir();
  const { supervisor, entries } = supervisorFor(dir);
  const spec: ManagedProcessOptions = { name: 'prog', command: '/bin/sh', args: ['-c', 'echo ready; exec sleep 300'], env: process.env, cwd: PROJECT_ROOT, readyLine: /^ready$/, watchdog: true };
  try {
    await supervisor.start(spec);
    const file = (await readPidFiles(dir)).get('prog')!;
    assert.ok(file.watchdog, 'the watchdog is recorded too');
    assert.notEqual(file.pid, file.watchdog.pid);
    // The recorded PID is the program's own: the shell execs sleep in place, just after printing "ready"
    // (under load the cmdline may still be the shell's for a moment).
    await waitFor('the shell to exec sleep', async () => ((await readFile(`/proc/${file.pid}/cmdline`, 'utf8')).split('\0').slice(0, 2).join(' ') === 'sleep 300' ? true : undefined));
    process.kill(file.pid, 'SIGKILL');
    const again = await waitFor('the program restarted', async () => {
      const next = (await readPidFiles(dir)).get('prog');
      return next && next.pid !== file.pid ? next : undefined;
    });
    assert.ok(entries.some((e) => e.child === 'prog' && e.childPid === file.pid && e.signal === 'SIGKILL'), 'the program\'s signal, not the watchdog\'s exit, is logged');
    await supervisor.stopAll();
    assert.equal(isAlive(again.pid) || isAlive(again.watchdog!.pid), false);
  } finally {
    await supervisor.stopAll();
  }
});

test('at start, processes an earlier start left running are stopped; a PID now used by another program is left alone', async () => {
  const dir = await runDir();
  const left = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  const other = spawn('sleep', ['301'], { detached: true, stdio: 'ignore' });
  spawned.push(left.pid!, other.pid!);
  await writePidFile(dir, 'temporal', { pid: left.pid!, argv: ['sleep', '300'] });
  // The PID of a process that is not what the file says (the earlier one is gone, its PID reused).
  await writePidFile(dir, 'worker', { pid: other.pid!, argv: [process.execPath, '--import', 'tsx', 'src/main/worker.ts'] });
  const said: string[] = [];
  await stopStaleProcesses(dir, (m) => said.push(m), { exitWaitMs: 200, graceMs: 5_000 });
  await waitFor('the left process reaped', async () => (isAlive(left.pid!) ? undefined : true));
  assert.equal(isAlive(other.pid!), true);
  assert.match(said[0]!, new RegExp(`left running: temporal \\(pid ${left.pid}\\); stopping them`));
  assert.equal((await readPidFiles(dir)).size, 0, 'the PID files are gone');
});

test('at start, an earlier npm start that still runs on the same var/ is refused with its PID', async () => {
  const dir = await runDir();
  const running = spawn('sleep', ['302'], { detached: true, stdio: 'ignore' });
  spawned.push(running.pid!);
  await writePidFile(dir, 'start', { pid: running.pid!, argv: ['sleep', '302'] });
  await assert.rejects(stopStaleProcesses(dir, () => undefined), new RegExp(`another npm start \\(pid ${running.pid}\\) is running on ${path.dirname(dir)}`));
  assert.equal(isAlive(running.pid!), true);
});
