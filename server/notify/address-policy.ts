/**
 * Where webhooks may go. In live mode (Stripe configured) only https, and never to a loopback, private,
 * link-local or otherwise special address, checked on every delivery after DNS (the address connected to is
 * the address checked, so a name that later resolves elsewhere is caught too), unless
 * BILLKIT_WEBHOOK_ALLOW_PRIVATE=true. Test mode allows http and localhost, for development.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export interface UrlPolicy {
  /** Only https URLs. */
  httpsOnly: boolean;
  /** Loopback, private and link-local addresses allowed. */
  allowPrivate: boolean;
}

export const TEST_MODE_POLICY: UrlPolicy = { httpsOnly: false, allowPrivate: true };

/** Live mode's policy, loosened by BILLKIT_WEBHOOK_ALLOW_PRIVATE=true (a receiver on the same network). */
export const livePolicy = (allowPrivate: boolean): UrlPolicy => ({ httpsOnly: true, allowPrivate });

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** Loopback, private, link-local, multicast, documentation or unspecified (IPv4-mapped IPv6 by its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a URL is refused by the policy (checked when an endpoint is saved), or null. */
export function urlRefusal(url: URL, policy: UrlPolicy): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an http or https URL.';
  if (policy.httpsOnly && url.protocol !== 'https:') return 'In live mode webhooks go to https URLs only.';
  if (url.username || url.password) return 'Put no user name or password in the URL.';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivate && isIP(host) && isPrivateAddress(host)) return 'In live mode webhooks never go to a loopback, private or link-local address.';
  return null;
}

export class AddressNotAllowed extends Error {
  constructor(readonly address: string) {
    super(`${address} is a loopback, private or link-local address: not allowed in live mode`);
    this.name = 'AddressNotAllowed';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that refuses private addresses after DNS (when the policy says so). */
export function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = policy.allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) return callback(Object.assign(new AddressNotAllowed(refused.address), { code: 'EADDRNOTALLOWED' }), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** The URL's host when it is an address literal (no DNS is asked for those), checked by the policy. */
export function checkLiteralHost(url: URL, policy: UrlPolicy): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivate && isIP(host) && isPrivateAddress(host)) throw new AddressNotAllowed(host);
}
