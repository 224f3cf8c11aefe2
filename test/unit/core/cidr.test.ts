import { cidrCovers, parseCidr } from "../../../operator/core/cidr.js";

describe("cidrCovers", () => {
  it.each([
    ["10.0.0.0/16", "10.0.10.0/24", true],
    ["10.0.10.0/24", "10.0.10.0/24", true],
    ["10.0.10.0/24", "10.0.0.0/16", false],
    ["10.0.10.0/24", "10.0.11.0/24", false],
    ["0.0.0.0/0", "192.168.1.0/24", true],
    ["172.16.0.0/12", "172.31.255.0/24", true],
    ["200.1.0.0/16", "200.1.2.0/24", true],
    ["200.1.0.0/16", "200.2.2.0/24", false],
  ])("%s covers %s: %s", (outer, inner, want) => {
    expect(cidrCovers(outer, inner)).toBe(want);
  });
  it("never counts what it cannot read as covering: IPv6, junk, out-of-range octets or prefixes", () => {
    expect(cidrCovers("::/0", "10.0.0.0/24")).toBe(false);
    expect(cidrCovers("10.0.0.0/16", "not-a-cidr")).toBe(false);
    expect(cidrCovers("10.0.0.300/16", "10.0.1.0/24")).toBe(false);
    expect(cidrCovers("10.0.0.0/33", "10.0.1.0/24")).toBe(false);
  });
  it("reads addresses at and above 128.0.0.0 without sign trouble", () => {
    expect(parseCidr("255.255.255.255/32")).toEqual([4294967295, 32]);
  });
});
