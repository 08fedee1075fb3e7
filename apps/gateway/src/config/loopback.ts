import { isIPv4, isIPv6 } from 'node:net';

/**
 * True when `host` only reaches this machine: `localhost` (any case), an IPv4 address in
 * 127.0.0.0/8 (`127.0.0.1`), or the IPv6 loopback `::1` in any spelling (`0:0:0:0:0:0:0:1`).
 */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  // The URL parser writes IPv6 addresses in their canonical (shortest) form.
  return isIPv6(host) && new URL(`http://[${host}]/`).hostname === '[::1]';
}
