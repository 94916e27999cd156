// Where a webhook may not send (no server-side request forgery): addresses that are not on the
// public internet — loopback, private, link-local, shared, reserved, multicast — in IPv4 and IPv6,
// including IPv6 forms that carry an IPv4 address (mapped ::ffff:127.0.0.1, translated
// ::ffff:0:127.0.0.1, compatible ::127.0.0.1, NAT64 64:ff9b::127.0.0.1, 6to4).
import { isIPv4, isIPv6 } from 'node:net';

type Range = readonly [prefix: number[], bits: number, what: string];

const V4_REFUSED: readonly Range[] = [
  [[0, 0, 0, 0], 8, 'this-network'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'shared (carrier-grade NAT)'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'IETF protocol assignment'],
  [[192, 0, 2, 0], 24, 'documentation'],
  [[192, 88, 99, 0], 24, 'reserved (6to4 relay)'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'benchmarking'],
  [[198, 51, 100, 0], 24, 'documentation'],
  [[203, 0, 113, 0], 24, 'documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'], // and 255.255.255.255, broadcast
];

/** IPv6 ranges as bytes; those that carry an IPv4 address say where it starts. */
const V6_REFUSED: readonly (readonly [prefix: number[], bits: number, what: string | { v4At: number }])[] = [
  [[], 128, 'unspecified'], // ::
  [[...Array(15).fill(0), 1], 128, 'loopback'], // ::1
  [[...Array(10).fill(0), 0xff, 0xff], 96, { v4At: 12 }], // ::ffff:a.b.c.d, IPv4-mapped
  [[...Array(8).fill(0), 0xff, 0xff, 0, 0], 96, { v4At: 12 }], // ::ffff:0:a.b.c.d, IPv4-translated (SIIT)
  [[], 96, 'IPv4-compatible (deprecated)'], // ::a.b.c.d
  [[0x00, 0x64, 0xff, 0x9b, ...Array(8).fill(0)], 96, { v4At: 12 }], // 64:ff9b::a.b.c.d, NAT64
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'local-use NAT64'],
  [[0x01, 0x00, ...Array(6).fill(0)], 64, 'discard-only'],
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'documentation'],
  [[0x20, 0x01, 0x00], 23, 'IETF protocol assignment (Teredo and others)'],
  [[0x20, 0x02], 16, { v4At: 2 }], // 2002:a.b.c.d::/48, 6to4
  [[0xfc], 7, 'unique local (private)'],
  [[0xfe, 0x80], 10, 'link-local'],
  [[0xfe, 0xc0], 10, 'site-local (deprecated)'],
  [[0xff], 8, 'multicast'],
];

function inRange(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function v4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of a valid IPv6 address (a zone, `%eth0`, is dropped). */
export function v6Bytes(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  // A dotted IPv4 tail (::ffff:127.0.0.1) as its two groups (::ffff:7f00:1).
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = v4Bytes(dotted[1]!);
    text = `${text.slice(0, dotted.index + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const [head = '', rest] = text.split('::');
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = rest === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function v4Refusal(bytes: readonly number[]): string | null {
  return V4_REFUSED.find(([prefix, bits]) => inRange(bytes, prefix, bits))?.[2] ?? null;
}

/**
 * Why a webhook may not be sent to this IP address (e.g. `loopback`, `private`, `link-local`),
 * or null when it is a public address. Anything that is not an IP address is refused.
 */
export function refusedAddress(address: string): string | null {
  if (isIPv4(address)) return v4Refusal(v4Bytes(address));
  if (!isIPv6(address)) return 'not an IP address';
  const bytes = v6Bytes(address);
  for (const [prefix, bits, what] of V6_REFUSED) {
    if (!inRange(bytes, prefix, bits)) continue;
    if (typeof what === 'string') return what;
    const embedded = v4Refusal(bytes.slice(what.v4At, what.v4At + 4));
    return embedded ? `${embedded} (IPv4 ${bytes.slice(what.v4At, what.v4At + 4).join('.')} inside IPv6)` : null;
  }
  return null;
}

/** The host of a URL as WEBHOOK_ALLOWED_HOSTS lists it: lower case, an IPv6 address without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

/** Hosts an operator allows although they are private (WEBHOOK_ALLOWED_HOSTS), compared as written in the URL. */
export function allowedHost(url: URL, allowedHosts: readonly string[]): boolean {
  const host = hostOf(url);
  return allowedHosts.some((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1') === host);
}
