/**
 * Properties of deriveStatus over generated worlds: endpoint and NAT states, DNS attributes, blocked items,
 * failed results and pending plan items drawn at random around one desired network.
 */
import fc from "fast-check";
import type { Plan } from "../../../operator/core/actions.js";
import { findCondition } from "../../../operator/core/conditions.js";
import type { ActionResult, ErrorClass } from "../../../operator/core/errors.js";
import type { DesiredNetwork, Key, ObservedEndpoint, ObservedNetwork } from "../../../operator/core/model.js";
import { deriveStatus, statusChanged, type StatusInput } from "../../../operator/core/status.js";

const k = (s: string) => s as Key;
const SERVICES = ["ecr.api", "ecr.dkr", "logs"];
const owner = { namespace: "ns", name: "n", uid: "u" };

const desired = (vpcDns: "check" | "enforce", mode: "Managed" | "ObserveOnly"): DesiredNetwork => ({
  owner,
  region: "us-east-1",
  vpcId: "vpc-0123abcd",
  securityGroup: {
    key: k("sg:endpoints"),
    mode: "create",
    givenGroupIds: [],
    groupName: "g",
    description: "d",
    ingress: [],
    tags: {},
  },
  interfaceEndpoints: new Map(
    SERVICES.map((s) => [
      k(`endpoint:${s}`),
      {
        key: k(`endpoint:${s}`),
        shortName: s,
        serviceName: `com.amazonaws.us-east-1.${s}`,
        subnetIds: ["subnet-0000000a"],
        privateDns: true,
        policy: null,
        adopt: false,
        tags: {},
        clientToken: s,
      },
    ]),
  ),
  s3Gateway: null,
  elasticIps: new Map(),
  natGateways: new Map(),
  routes: new Map(),
  vpcDns,
  mode,
  deletionPolicy: "Delete",
  issues: [],
});

const world = fc.record({
  states: fc.array(fc.option(fc.constantFrom("available", "pending", "failed", "deleting"), { nil: undefined }), {
    minLength: SERVICES.length,
    maxLength: SERVICES.length,
  }),
  privateDns: fc.array(fc.boolean(), { minLength: SERVICES.length, maxLength: SERVICES.length }),
  dnsSupport: fc.boolean(),
  dnsHostnames: fc.boolean(),
  vpcDns: fc.constantFrom("check" as const, "enforce" as const),
  mode: fc.constantFrom("Managed" as const, "ObserveOnly" as const),
  blocked: fc.boolean(),
  pending: fc.boolean(),
  actions: fc.boolean(),
  failure: fc.option(fc.constantFrom<ErrorClass>("terminal", "retryable", "throttled", "conflict", "notFound"), {
    nil: undefined,
  }),
  specError: fc.boolean(),
  generation: fc.integer({ min: 1, max: 50 }),
});

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function inputOf(w: World, now: string): StatusInput {
  const endpoints: ObservedEndpoint[] = SERVICES.flatMap((s, i) => {
    const state = w.states[i];
    if (!state) return [];
    return [
      {
        id: `vpce-${i}`,
        owned: true,
        component: k(`endpoint:${s}`),
        tags: {},
        type: "Interface" as const,
        serviceName: `com.amazonaws.us-east-1.${s}`,
        state,
        subnetIds: ["subnet-0000000a"],
        securityGroupIds: ["sg-1"],
        routeTableIds: [],
        privateDns: w.privateDns[i]!,
        policy: null,
      },
    ];
  });
  const observed: ObservedNetwork = {
    vpcId: "vpc-0123abcd",
    dnsSupport: w.dnsSupport,
    dnsHostnames: w.dnsHostnames,
    securityGroups: [
      {
        id: "sg-1",
        owned: true,
        component: k("sg:endpoints"),
        tags: {},
        groupName: "g",
        vpcId: "vpc-0123abcd",
        rules: [],
      },
    ],
    endpoints,
    addresses: [],
    natGateways: [],
    routeTables: [],
  };
  const plan: Plan = {
    actions: w.actions
      ? [
          {
            kind: "DeleteEndpoint",
            key: k("endpoint:sts"),
            reason: "NotDesired",
            detail: "delete vpce-9",
            endpointId: "vpce-9",
          },
        ]
      : [],
    dependsOn: new Map(),
    pending: w.pending ? [{ key: k("endpoint:logs"), reason: "EndpointPending", message: "logs is pending" }] : [],
    blocked: w.blocked
      ? [{ key: k("endpoint:ecr.dkr"), reason: "PrivateDnsConflict", message: "vpce-x holds private DNS for ecr.dkr" }]
      : [],
  };
  const results: ActionResult[] = w.failure
    ? [{ key: k("endpoint:sts"), outcome: "failed", error: { class: w.failure, code: "X", message: "m" } }]
    : [];
  return {
    generation: w.generation,
    desired: desired(w.vpcDns, w.mode),
    observed,
    plan,
    results,
    ...(w.specError ? { specErrors: [{ path: "spec.vpcId", message: "bad" }] } : {}),
    now,
  };
}

const trueOnes = (s: ReturnType<typeof deriveStatus>) =>
  ["Ready", "Reconciling", "Stalled"].filter((t) => findCondition(s.conditions, t)?.status === "True");

describe("deriveStatus (properties)", () => {
  it("always sets exactly one of Ready, Reconciling and Stalled to True", () => {
    fc.assert(
      fc.property(world, (w) =>
        expect(trueOnes(deriveStatus(undefined, inputOf(w, "2026-01-01T00:00:00Z")))).toHaveLength(1),
      ),
    );
  });

  it("is Ready only when nothing is blocked, pending, planned or failed and every part is True", () => {
    fc.assert(
      fc.property(world, (w) => {
        const s = deriveStatus(undefined, inputOf(w, "2026-01-01T00:00:00Z"));
        if (findCondition(s.conditions, "Ready")?.status !== "True") return;
        expect([w.blocked, w.pending, w.actions, w.failure, w.specError]).toEqual([
          false,
          false,
          false,
          undefined,
          false,
        ]);
        expect(s.conditions?.filter((c) => c.type.endsWith("Ready")).every((c) => c.status === "True")).toBe(true);
      }),
    );
  });

  it("reaches a fixed point: deriving again from its own output with the same input changes nothing", () => {
    fc.assert(
      fc.property(world, (w) => {
        const first = deriveStatus(undefined, inputOf(w, "2026-01-01T00:00:00Z"));
        const second = deriveStatus(first, inputOf(w, "2026-01-01T00:09:00Z"));
        expect(statusChanged(first, second)).toBe(false);
        expect(second.conditions?.map((c) => c.lastTransitionTime)).toEqual(
          first.conditions?.map((c) => c.lastTransitionTime),
        );
      }),
    );
  });

  it("stamps the generation on the status and on every condition", () => {
    fc.assert(
      fc.property(world, (w) => {
        const s = deriveStatus(undefined, inputOf(w, "2026-01-01T00:00:00Z"));
        expect(
          [s.observedGeneration, ...(s.conditions ?? []).map((c) => c.observedGeneration)].every(
            (g) => g === w.generation,
          ),
        ).toBe(true);
      }),
    );
  });
});
