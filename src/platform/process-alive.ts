/**
 * Whether a process exists, by PID: signal 0 tests for existence without delivering anything.
 * EPERM means it exists but belongs to another user, so it counts as alive.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
