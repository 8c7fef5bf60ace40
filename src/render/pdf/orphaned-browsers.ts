/**
 * Browsers a dead worker left behind. Each browser the pool launches gets a fresh profile directory
 * named after the launching process (`<tmp>/reportflow-chromium-<pid>-XXXXXX`), so a browser whose
 * launcher no longer exists is an orphan: it holds ~1 GB and a no-sandbox browser for nobody. Where the
 * kernel kills the browser with its worker (the pool's parent-death signal) there are none; this finds
 * those left where it could not (no setpriv, or a browser from before), and their profile directories.
 * Linux only (it reads /proc); elsewhere it finds nothing.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../platform/process-alive.js';

const PREFIX = 'reportflow-chromium-';

/** The name prefix of the profile directories of browsers launched by process `ownerPid`. */
export function profileDirPrefix(ownerPid: number): string {
  return `${PREFIX}${ownerPid}-`;
}

/** What `reapOrphanedBrowsers` killed and removed. */
export interface ReapedBrowsers {
  /** PIDs of the orphaned browsers' main processes, killed with their process group. */
  browsers: number[];
  /** Profile directories of dead launchers, removed. */
  profileDirs: string[];
}

/**
 * Kills every browser (with its process group) whose profile directory under `tmpDir` names a process
 * that no longer exists, then removes such profile directories. Browsers of live processes, this one
 * included, are left alone. Never throws: what cannot be read or killed is skipped.
 * @param tmpDir where the pool puts profile directories. @default os.tmpdir()
 */
export async function reapOrphanedBrowsers(tmpDir: string = os.tmpdir()): Promise<ReapedBrowsers> {
  const marker = `--user-data-dir=${path.join(tmpDir, PREFIX)}`;
  const browsers: number[] = [];
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const profile = args.find((a) => a.startsWith(marker));
    const owner = profile ? ownerOf(path.basename(profile.slice('--user-data-dir='.length))) : undefined;
    if (owner === undefined || isAlive(owner)) continue;
    // Puppeteer starts the browser as the leader of its own process group: the group is the whole tree.
    const group = await processGroupOf(pid);
    try {
      process.kill(group === pid ? -pid : pid, 'SIGKILL');
      browsers.push(pid);
    } catch {
      // Gone in the meantime, or not ours to kill.
    }
  }
  const profileDirs: string[] = [];
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    const owner = ownerOf(name);
    if (owner === undefined || isAlive(owner)) continue;
    const dir = path.join(tmpDir, name);
    await rm(dir, { recursive: true, force: true }).then(() => profileDirs.push(dir), () => undefined);
  }
  return { browsers, profileDirs };
}

/** The launcher's PID in a profile directory name, or undefined when it is not one of ours. */
function ownerOf(name: string): number | undefined {
  const m = /^reportflow-chromium-(\d+)-/.exec(name);
  return m ? Number(m[1]) : undefined;
}


/** Field 5 of /proc/<pid>/stat (after the parenthesised command name). */
async function processGroupOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const group = Number(fields[2]);
  return Number.isInteger(group) && group > 0 ? group : undefined;
}
