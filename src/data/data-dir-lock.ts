/**
 * An exclusive lock on a PGlite data directory, held by one process. PGlite itself does not notice a
 * second process opening the same directory, and two writers would corrupt it.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { isAlive } from '../platform/process-alive.js';

/** A held lock; `release()` deletes the lock file (idempotent). */
export interface DataDirLock {
  file: string;
  release(): Promise<void>;
}

/**
 * Creates `<dataDir>.lock` holding this process id. A lock file whose process no longer runs (left by
 * a crash or SIGKILL) is taken over.
 * @throws Error naming the holder when another running process holds the lock.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      let released = false;
      return {
        file,
        release: async () => {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new Error(`the embedded database directory ${dataDir} is in use by process ${holder} (lock file ${file})`, { cause: err });
      }
      await rm(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}: ${file} keeps reappearing`);
}

