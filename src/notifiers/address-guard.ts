/**
 * Keeps webhooks from reaching the service's own network (SSRF): a URL whose host resolves to a
 * private, loopback, link-local, CGNAT, multicast or unspecified address is refused unless the
 * allow-list (`REPORTFLOW_WEBHOOK_ALLOW_HOSTS`) names the host, the address or a range holding it.
 * The check runs right before each POST; a host re-resolving between check and connect (DNS
 * rebinding) is not covered, so put untrusted receivers behind an egress proxy as well.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ReportError } from '../domain/errors.js';

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** An allow-list compiled from host names, addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`). */
export class AddressAllowList {
  private readonly hosts = new Set<string>();
  private readonly ranges = new BlockList();

  /** @throws Error on a malformed CIDR entry (a configuration error, found at start). */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
      const [addr, bits] = entry.split('/');
      const family = isIP(addr ?? '');
      if (family && bits !== undefined) {
        const n = Number(bits);
        if (!Number.isInteger(n) || n < 0 || n > (family === 4 ? 32 : 128)) throw new Error(`webhook allow-list: bad range "${raw}"`);
        this.ranges.addSubnet(addr!, n, family === 4 ? 'ipv4' : 'ipv6');
      } else if (family) {
        this.ranges.addAddress(addr!, family === 4 ? 'ipv4' : 'ipv6');
      } else {
        this.hosts.add(entry);
      }
    }
  }

  allowsHost(host: string): boolean {
    return this.hosts.has(host.toLowerCase());
  }

  allowsAddress(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.ranges.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** True for addresses a webhook must not reach by default. IPv4-mapped IPv6 is judged as its IPv4 address. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * @throws ReportError('WEBHOOK_ADDRESS_REFUSED') when `url`'s host is, or resolves to, a private
 *   address the allow-list does not cover.
 * @throws Error when the host does not resolve (retried: DNS may be briefly down).
 */
export async function assertWebhookAddressAllowed(url: URL, allow: AddressAllowList): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allow.allowsHost(host)) return;
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  for (const address of addresses) {
    if (isPrivateAddress(address) && !allow.allowsAddress(address)) {
      throw new ReportError('WEBHOOK_ADDRESS_REFUSED', `The webhook host ${host} resolves to a private or loopback address (${address}), which is refused unless REPORTFLOW_WEBHOOK_ALLOW_HOSTS lists the host, the address or a range holding it.`, [
        { field: 'notify.webhook_url', code: 'WEBHOOK_ADDRESS_REFUSED', message: `resolves to a private or loopback address (${address}); allow it with REPORTFLOW_WEBHOOK_ALLOW_HOSTS` },
      ]);
    }
  }
}
