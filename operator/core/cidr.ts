/**
 * IPv4 CIDR arithmetic, in one place for the planner (does an observed rule already admit a desired
 * source?) and the path checks (does an endpoint's security group admit a task subnet?).
 */

/**
 * IPv4 CIDR → [network address as an unsigned number, prefix length], or null for anything else (IPv6,
 * out-of-range octets or prefix, junk). Arithmetic rather than bit operations: JS bitwise operators are
 * signed 32-bit and break on addresses at or above 128.0.0.0.
 */
export function parseCidr(cidr: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return null;
  return [octets.reduce((acc, o) => acc * 256 + o, 0), prefix];
}

/**
 * True when `outer` contains every address of `inner` (equal CIDRs count). False rather than an error for
 * IPv6 or malformed text: a rule that cannot be read never counts as covering, so a check never passes and a
 * given group is never trusted on a guess.
 */
export function cidrCovers(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || i[1] < o[1]) return false;
  const size = 2 ** (32 - o[1]);
  return Math.floor(o[0] / size) === Math.floor(i[0] / size);
}
