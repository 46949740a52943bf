/**
 * The address a request came from, as far as something other than the caller vouches for it: the
 * key of the per-address rate limit and the `source` of the security log.
 *
 * - Behind this deployment's Front Door: `X-Azure-SocketIP`, the address of the TCP connection
 *   Front Door accepted. Only when `X-Azure-FDID` is this deployment's Front Door id; anyone can
 *   send these headers to the app directly, so without that match they mean nothing.
 *   `X-Azure-ClientIP` and the first entries of `X-Forwarded-For` are whatever the client sent, so
 *   they are never used. See "Protocol support for HTTP headers in Azure Front Door":
 *   https://learn.microsoft.com/azure/frontdoor/front-door-http-headers-protocol
 * - Otherwise: the socket address App Service's front end saw. It appends it, as `ip:port`, as the
 *   LAST entry of `X-Forwarded-For` (whatever the client sent comes before it), and sets the same
 *   value in `CLIENT-IP`, overwriting any the client sent ("App Service will overwrite any existing
 *   header so they cannot be spoofed":
 *   https://github.com/Azure/app-service-linux-docs/blob/master/Things_You_Should_Know/headers.md;
 *   both side by side behind a proxy: https://github.com/sergiodxa/remix-utils/pull/496). The
 *   embedded runtime's host appends the socket address the same way (src/local/httpHost.ts).
 *
 * An IPv6 address stands for its /64: one host is given a whole /64, and counting its addresses
 * one by one would give it 2^64 buckets.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Requests whose address cannot be told (no platform header: a test's hand-made request) share this. */
export const unknownAddress = 'unknown';

export function clientAddressOf(headers: Headers, frontDoorId: string | undefined): string {
  if (frontDoorId && lastEntry(headers.get('x-azure-fdid'))?.toLowerCase() === frontDoorId.toLowerCase()) {
    const socket = normalizedAddress(lastEntry(headers.get('x-azure-socketip')));
    if (socket) return socket;
  }
  return normalizedAddress(lastEntry(headers.get('x-forwarded-for'))) ?? unknownAddress;
}

/** The last of a comma-separated list: what the nearest proxy added (or set) last. */
function lastEntry(value: string | null): string | undefined {
  if (value === null) return undefined;
  const entry = value.slice(value.lastIndexOf(',') + 1).trim();
  return entry || undefined;
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:5678`, `2001:db8::1` or `::ffff:1.2.3.4`, as a bucket key. */
function normalizedAddress(entry: string | undefined): string | undefined {
  if (!entry) return undefined;
  let host = entry;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) host = bracketed[1]!;
  else if (/^[^:]+:\d+$/.test(entry)) host = entry.slice(0, entry.indexOf(':'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) host = mapped[1]!;
  if (isIPv4(host)) return host;
  if (isIPv6(host)) return `${ipv6Groups(host).slice(0, 4).join(':')}::/64`;
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const withoutZone = address.split('%')[0]!.toLowerCase();
  const toGroups = (part: string): string[] => {
    if (!part) return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [group];
      // An embedded IPv4 address is the last two groups.
      const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  };
  const [head, tail] = withoutZone.split('::') as [string, string | undefined];
  const first = toGroups(head);
  const last = tail === undefined ? [] : toGroups(tail);
  const zeros = Array<string>(8 - first.length - last.length).fill('0');
  return [...first, ...zeros, ...last].map((group) => parseInt(group, 16).toString(16));
}
