/**
 * The one IPC message src/main/watchdog.ts sends its supervisor: the PID of the program it runs, so
 * the supervisor can record it (src/main/pid-files.ts) and a later start can recognise it.
 */

/** `{ type: 'program-pid', pid }`. */
export interface WatchdogMessage {
  type: 'program-pid';
  pid: number;
}

/** True when `message` (from `child.on('message')`) is a {@link WatchdogMessage}. */
export function isWatchdogMessage(message: unknown): message is WatchdogMessage {
  const m = message as Partial<WatchdogMessage> | null;
  return typeof m === 'object' && m !== null && m.type === 'program-pid' && Number.isInteger(m.pid);
}
