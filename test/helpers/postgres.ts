/**
 * A real PostgreSQL for integration tests.
 *
 * - `TEST_DATABASE_URL` set: a fresh, uniquely named database is created on that server (the role must
 *   be allowed to CREATE DATABASE) and dropped again by `stop()`.
 * - Otherwise: a throwaway cluster is created with the PostgreSQL server binaries found on this
 *   machine (initdb into a temp dir, pg_ctl start on a free port, trust auth on 127.0.0.1 only, unix
 *   socket inside the temp dir, fsync off) and `stop()` shuts it down and deletes the directory. When
 *   running as root the cluster runs as the `postgres` OS user (PostgreSQL refuses to run as root).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A database for one test file. */
export interface TestPostgres {
  /** postgres:// URL of an empty database the test may do anything in. */
  url: string;
  /** Drops the database (or stops and deletes the whole throwaway cluster). Idempotent. */
  stop(): Promise<void>;
}

/**
 * @throws Error explaining how to provide PostgreSQL when neither `TEST_DATABASE_URL` is set nor
 *   server binaries (initdb, pg_ctl) are installed, or when the cluster does not start (its log is quoted).
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl ? createDatabaseOn(serverUrl) : startThrowawayCluster();
}

async function createDatabaseOn(serverUrl: string): Promise<TestPostgres> {
  const name = `reportflow_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  // Identifiers cannot be bound as parameters; `name` is built above from [a-z0-9_] only.
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let stopped: Promise<void> | undefined;
  return {
    url: url.toString(),
    stop: () => (stopped ??= admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** Directory holding initdb and pg_ctl: `pg_config --bindir`, else the newest /usr/lib/postgresql/<n>/bin. */
function findServerBinaries(): string | undefined {
  const has = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (has(dir)) return dir;
  } catch {
    // pg_config not on PATH: look in the Debian/Ubuntu location below.
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => path.join(root, v, 'bin')).find(has);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startThrowawayCluster(): Promise<TestPostgres> {
  const bin = findServerBinaries();
  if (!bin) {
    throw new Error(
      'No PostgreSQL for integration tests: set TEST_DATABASE_URL=postgres://user@host:port/db (a role that may ' +
        'CREATE DATABASE), or install the PostgreSQL server binaries so initdb and pg_ctl exist ' +
        '(Debian/Ubuntu: apt-get install postgresql).',
    );
  }
  const isRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (isRoot) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      owner = { uid: id('-u'), gid: id('-g') };
    } catch {
      throw new Error('Running as root, and PostgreSQL refuses to run as root: create a `postgres` OS user (e.g. apt-get install postgresql) or set TEST_DATABASE_URL.');
    }
  }
  // Run a server binary as the cluster owner: `runuser` when we are root, directly otherwise.
  const pgCmd = (tool: string, args: string[]) =>
    isRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'reportflow-pg-'));
  const dataDir = path.join(dir, 'data');
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chmod(dir, 0o700);
  }
  const port = await freePort();
  const settings = [
    `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1',
    // A test cluster need not survive a crash; these make loads several times faster.
    '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off',
  ].join(' ');
  let started = false;
  const stopCluster = () => {
    if (started) {
      started = false;
      try {
        const args = ['-D', dataDir, 'stop', '-m', 'immediate', '-w'];
        if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), ...args], { stdio: 'ignore' });
        else execFileSync(path.join(bin, 'pg_ctl'), args, { stdio: 'ignore' });
      } catch {
        // Already gone; the directory is removed below either way.
      }
    }
  };
  // Never leave a server (or its files) behind a test process that ends without calling stop().
  const onExit = () => {
    stopCluster();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  try {
    await pgCmd('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions']);
    started = true;
    await pgCmd('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']);
  } catch (err) {
    stopCluster();
    process.removeListener('exit', onExit);
    const log = await readLog(path.join(dir, 'server.log'));
    await rm(dir, { recursive: true, force: true });
    const e = err as Error & { stderr?: string };
    throw new Error(`Could not start a throwaway PostgreSQL with ${bin}: ${e.stderr?.trim() || e.message}${log ? `\nserver log:\n${log}` : ''}`, { cause: err });
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () =>
      (stopped ??= (async () => {
        stopCluster();
        process.removeListener('exit', onExit);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

async function readLog(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim().split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
