import { describe, expect, it } from "@jest/globals";
import { TagKey } from "../../../operator/api/group.js";
import {
  clientToken,
  componentOf,
  fnv1a64,
  intentToken,
  isOwnedBy,
  nextIntent,
  ownerTags,
  securityGroupName,
  stableJson,
} from "../../../operator/core/ownership.js";
import { key } from "../../../operator/core/model.js";

const owner = { namespace: "team-a", name: "prod", uid: "0f8e6c1a-1111-2222-3333-444455556666" };

describe("ownership", () => {
  it("tags carry the owner uid, owner name, component and managed-by, and a Name for people", () => {
    const t = ownerTags(owner, key("endpoint:ecr.dkr"), { team: "a" });
    expect(t[TagKey.OwnerUid]).toBe(owner.uid);
    expect(t[TagKey.Owner]).toBe("team-a/prod");
    expect(t[TagKey.Component]).toBe("endpoint:ecr.dkr");
    expect(t[TagKey.ManagedBy]).toBe("ecsnet");
    expect(t.Name).toBe("ecsnet-prod-endpoint-ecr.dkr");
    expect(t.team).toBe("a");
  });
  it("never lets spec tags override an ownership tag", () => {
    const t = ownerTags(owner, key("sg:endpoints"), { [TagKey.OwnerUid]: "someone-else" });
    expect(isOwnedBy(t, owner)).toBe(true);
  });
  it("treats a resource without our uid as not owned, even with our other tags", () => {
    const t = { ...ownerTags(owner, key("nat:a")), [TagKey.OwnerUid]: "other" };
    expect(isOwnedBy(t, owner)).toBe(false);
    expect(isOwnedBy({}, owner)).toBe(false);
  });
  it("reads the component back from the tags", () => {
    expect(componentOf(ownerTags(owner, key("nat:us-east-1a")))).toBe("nat:us-east-1a");
    expect(componentOf({})).toBeNull();
  });
  it("gives the same token for the same input regardless of key order", () => {
    const a = clientToken(owner.uid, key("nat:a"), { subnetId: "subnet-1", eip: "x" });
    const b = clientToken(owner.uid, key("nat:a"), { eip: "x", subnetId: "subnet-1" });
    expect(a).toBe(b);
    expect(a).toMatch(/^ecsnet-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(a.length).toBeLessThanOrEqual(64);
  });
  it("gives a different token for a different input, key or owner", () => {
    const base = clientToken(owner.uid, key("nat:a"), { subnetId: "subnet-1" });
    expect(clientToken(owner.uid, key("nat:a"), { subnetId: "subnet-2" })).not.toBe(base);
    expect(clientToken(owner.uid, key("nat:b"), { subnetId: "subnet-1" })).not.toBe(base);
    expect(clientToken("other-uid", key("nat:a"), { subnetId: "subnet-1" })).not.toBe(base);
  });
  it("hashes with FNV-1a 64 (known test vectors)", () => {
    expect(fnv1a64("")).toBe("cbf29ce484222325");
    expect(fnv1a64("a")).toBe("af63dc4c8601ec8c");
    expect(fnv1a64("foobar")).toBe("85944171f73967e8");
  });
  it("writes JSON with sorted keys at every depth and drops undefined", () => {
    expect(stableJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
  it("names the security group ecsnet-<ns>-<name>-<uid8> and keeps it within 255 characters", () => {
    expect(securityGroupName(owner)).toBe("ecsnet-team-a-prod-0f8e6c1a");
    expect(securityGroupName({ ...owner, name: "x".repeat(300) }).length).toBe(255);
  });
});

describe("creation intents (ADR 0004)", () => {
  const seed = clientToken("6f1c2d3e-0000-4000-8000-00000000abcd", key("endpoint:logs"), { vpcId: "vpc-1" });
  const input = { vpcId: "vpc-1", securityGroupIds: ["sg-1"] };

  it("gives every retry of one intent the same token, and each new intent or new parameters another", () => {
    const t0 = intentToken(seed, input, 0);
    expect(intentToken(seed, { securityGroupIds: ["sg-1"], vpcId: "vpc-1" }, 0)).toBe(t0);
    expect(intentToken(seed, input, 1)).not.toBe(t0);
    expect(intentToken(seed, { ...input, securityGroupIds: ["sg-2"] }, 0)).not.toBe(t0);
    expect(t0).toMatch(/^ecsnet-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(t0.slice(0, 15)).toBe(seed.slice(0, 15));
  });

  it("starts a re-creation one past the highest intent its observed predecessors record", () => {
    expect(nextIntent([])).toBe(0);
    expect(nextIntent([{ tags: {} }])).toBe(1);
    expect(nextIntent([{ tags: { [TagKey.Intent]: "3" } }, { tags: { [TagKey.Intent]: "1" } }])).toBe(4);
    expect(nextIntent([{ tags: { [TagKey.Intent]: "x" } }])).toBe(1);
  });

  it("lists the spec.tags keys it sets, so dropping one later removes exactly that tag", () => {
    const owner = { namespace: "a", name: "b", uid: "u" };
    expect(ownerTags(owner, key("sg:endpoints"), { team: "x", cost: "1" })[TagKey.UserTagKeys]).toBe("cost,team");
    expect(ownerTags(owner, key("sg:endpoints"))[TagKey.UserTagKeys]).toBeUndefined();
  });
});
