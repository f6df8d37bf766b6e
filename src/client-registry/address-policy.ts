import { BlockList, isIP } from 'node:net';

/**
 * Why an address is not one this server fetches client metadata documents from, or `public`.
 * The names are shown (in words) in error sentences and logs.
 */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'carrier-grade NAT'
  | 'link-local'
  | 'multicast'
  | 'reserved';

type Blocked = Exclude<AddressClass, 'public'>;

/** Special-purpose IPv4 ranges (RFC 6890 and the IANA IPv4 Special-Purpose Address Registry). */
const IPV4_RANGES: [Blocked, string, number][] = [
  ['unspecified', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['carrier-grade NAT', '100.64.0.0', 10], // also Alibaba Cloud's metadata service, 100.100.100.200
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16], // cloud metadata services: 169.254.169.254 (AWS, Azure, GCP)
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24], // IETF protocol assignments (Oracle Cloud metadata: 192.0.0.192)
  ['reserved', '192.0.2.0', 24], // TEST-NET-1
  ['reserved', '192.88.99.0', 24], // 6to4 relay anycast
  ['private', '192.168.0.0', 16],
  ['reserved', '198.18.0.0', 15], // benchmarking
  ['reserved', '198.51.100.0', 24], // TEST-NET-2
  ['reserved', '203.0.113.0', 24], // TEST-NET-3
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4], // future use and the limited broadcast address
];

/**
 * IPv6 is allowed only inside global unicast 2000::/3, minus its special-purpose blocks; every
 * other range (unique-local fc00::/7 with AWS's fd00:ec2::254, link-local, multicast, NAT64
 * 64:ff9b::/96 which reaches IPv4 behind a gateway, IPv4-compatible ::/96, …) is refused.
 */
const IPV6_RANGES: [Blocked, string, number][] = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['link-local', 'fe80::', 10],
  ['private', 'fc00::', 7],
  ['private', 'fec0::', 10], // deprecated site-local
  ['multicast', 'ff00::', 8],
  ['reserved', '2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID
  ['reserved', '2001:db8::', 32], // documentation
  ['reserved', '2002::', 16], // 6to4: embeds an arbitrary IPv4 address
  ['reserved', '3fff::', 20], // documentation
];

const blockLists = new Map<Blocked, BlockList>();
for (const [name, network, prefix] of IPV4_RANGES) list(name).addSubnet(network, prefix, 'ipv4');
for (const [name, network, prefix] of IPV6_RANGES) list(name).addSubnet(network, prefix, 'ipv6');

function list(name: Blocked): BlockList {
  let found = blockLists.get(name);
  if (!found) blockLists.set(name, (found = new BlockList()));
  return found;
}

const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');
const IPV4_MAPPED = new BlockList();
IPV4_MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/**
 * Classifies an IP address for the SSRF rule of Client ID Metadata Documents (draft-ietf-oauth-
 * client-id-metadata-document §6.5 "Server-Side Request Forgery"): only `public` addresses may be
 * fetched. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are judged as the IPv4 address they
 * carry. Anything that is not an IP address is `reserved`.
 */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return classify(bare, 'ipv4');
  if (family !== 6) return 'reserved';
  if (IPV4_MAPPED.check(bare, 'ipv6')) return classify(mappedIpv4(bare), 'ipv4');
  const special = classify(bare, 'ipv6');
  if (special !== 'public') return special;
  return GLOBAL_UNICAST.check(bare, 'ipv6') ? 'public' : 'reserved';
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

function classify(address: string, type: 'ipv4' | 'ipv6'): AddressClass {
  for (const [name, blocks] of blockLists) if (blocks.check(address, type)) return name;
  return 'public';
}

/** The IPv4 address inside `::ffff:a.b.c.d` (any spelling: the URL parser normalises it to `::ffff:xxxx:yyyy`). */
function mappedIpv4(address: string): string {
  const normalised = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const groups = normalised.split(':');
  const high = parseInt(groups.at(-2) ?? '0', 16);
  const low = parseInt(groups.at(-1) ?? '0', 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
