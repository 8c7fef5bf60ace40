/**
 * A TCP port on 127.0.0.1 that was free a moment ago, below the kernel's ephemeral range.
 *
 * Tests start services on such ports, and some start a service again on the ports of one that died
 * (test/e2e/supervision.test.ts). A port the OS picks (listen on 0) comes from the ephemeral range
 * (Linux: 32768–60999, /proc/sys/net/ipv4/ip_local_port_range), from which every outgoing connection
 * also takes its local port: once released, it could be taken by any connection meanwhile (seen once:
 * a restarted worker's metrics port EADDRINUSE). Ports in 20000–32767 are never handed out that way.
 *
 * A port is handed out at most once per process: one service's ports are picked one after another before
 * any is listened on, and a random pick could repeat an earlier one (seen once in CI: a service whose
 * Temporal and embedded-database ports were the same, EADDRINUSE).
 */
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_767;
/** Every port this process was given. */
const given = new Set<number>();

/** @throws Error when 200 random picks found no port that is free and not given before. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (given.has(port) || !(await canListen(port))) continue;
    given.add(port);
    return port;
  }
  throw new Error(`no free port in ${LOW}–${HIGH} after 200 tries`);
}

async function canListen(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
