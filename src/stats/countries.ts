// Country of a client address, offline: the CC0 ranges of @ip-location-db/geo-whois-asn-country
// (IPv4 and IPv6, from the registries' whois and ASN data), loaded once per process on first use
// and searched by bisection. `ZZ` when unknown. Only the click writer calls it, off the request path.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const UNKNOWN_COUNTRY = 'ZZ';

interface Ranges<T extends Uint32Array | BigUint64Array> {
  starts: T;
  ends: T;
  /** Two ASCII letters packed in 16 bits. */
  codes: Uint16Array;
}

export interface CountryTable {
  v4: Ranges<Uint32Array>;
  /** IPv6 by its first 64 bits: registries allocate no finer than that. */
  v6: Ranges<BigUint64Array>;
}

const pack = (code: string) => (code.length === 2 ? (code.charCodeAt(0) << 8) | code.charCodeAt(1) : (90 << 8) | 90);
const unpack = (packed: number) => String.fromCharCode(packed >> 8, packed & 0xff);

// Hand-rolled (indexOf, no per-line arrays): half a million lines parse in about 0.2 s.
function parseRanges<T extends Uint32Array | BigUint64Array>(text: string, make: (n: number) => T, read: (field: string) => T[number]): Ranges<T> {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  if (!text.endsWith('\n')) lines++;
  const ranges = { starts: make(lines), ends: make(lines), codes: new Uint16Array(lines) };
  let count = 0;
  for (let start = 0; start < text.length && count < lines; ) {
    const end = text.indexOf('\n', start) === -1 ? text.length : text.indexOf('\n', start);
    const first = text.indexOf(',', start);
    const second = text.indexOf(',', first + 1);
    if (first > start && second > first && second < end) {
      ranges.starts[count] = read(text.slice(start, first));
      ranges.ends[count] = read(text.slice(first + 1, second));
      ranges.codes[count] = pack(text.slice(second + 1, second + 3));
      count++;
    }
    start = end + 1;
  }
  return {
    starts: ranges.starts.subarray(0, count) as T,
    ends: ranges.ends.subarray(0, count) as T,
    codes: ranges.codes.subarray(0, count),
  };
}

const SHIFT_64 = 64n;

async function load(): Promise<CountryTable> {
  const dir = path.dirname(Bun.resolveSync('@ip-location-db/geo-whois-asn-country/package.json', import.meta.dir));
  const [v4, v6] = await Promise.all([
    readFile(path.join(dir, 'geo-whois-asn-country-ipv4-num.csv'), 'utf8'),
    readFile(path.join(dir, 'geo-whois-asn-country-ipv6-num.csv'), 'utf8'),
  ]);
  return {
    v4: parseRanges(v4, (n) => new Uint32Array(n), (field) => Number(field)),
    v6: parseRanges(v6, (n) => new BigUint64Array(n), (field) => BigInt(field) >> SHIFT_64),
  };
}

let shared: Promise<CountryTable> | null = null;

/** The table, loaded on first call (about 8 MB in memory) and shared by every caller after. */
export function countryTable(): Promise<CountryTable> {
  shared ??= load().catch((error: unknown) => {
    shared = null;
    throw error;
  });
  return shared;
}

function search<T extends Uint32Array | BigUint64Array>(ranges: Ranges<T>, key: T[number]): string {
  let low = 0;
  let high = ranges.starts.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (ranges.starts[mid]! > key) high = mid - 1;
    else if (ranges.ends[mid]! < key) low = mid + 1;
    else return unpack(ranges.codes[mid]!);
  }
  return UNKNOWN_COUNTRY;
}

/** An IPv4 address as a number, or null. */
export function ipv4Number(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

/** The first 64 bits of an IPv6 address, or null. */
export function ipv6Prefix(address: string): bigint | null {
  if (!address.includes(':') || !/^[0-9a-f:.]+$/i.test(address)) return null;
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string) => (half ? half.split(':') : []);
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const all = halves.length === 2 ? [...head, ...Array(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail] : head;
  if (all.length < 4) return null;
  let prefix = 0n;
  for (const group of all.slice(0, 4)) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    prefix = (prefix << 16n) | BigInt(parseInt(group, 16));
  }
  return prefix;
}

/** The client's country, `ZZ` when the address is missing, private, malformed or unlisted. */
export function countryOf(table: CountryTable, address: string | null): string {
  if (!address) return UNKNOWN_COUNTRY;
  const mapped = address.startsWith('::ffff:') ? address.slice(7) : address;
  const v4 = ipv4Number(mapped);
  if (v4 !== null) return search(table.v4, v4);
  const v6 = ipv6Prefix(mapped);
  return v6 === null ? UNKNOWN_COUNTRY : search(table.v6, v6);
}
