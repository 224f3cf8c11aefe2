/**
 * The sandbox plays CloudTrail + EventBridge: every successful mutating EC2 call becomes a CloudTrail record
 * ("AWS API Call via CloudTrail", source aws.ec2) put on each subscribed SQS queue, as an EventBridge rule with
 * an SQS target would deliver it. Real EventBridge never delivers Describe/Get/List calls
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-ct-api-tutorial.html), and failed calls are
 * delivered with `errorCode`; the sandbox delivers successful mutations only.
 *
 * Every caller's calls are delivered, ecsnet's own included, as a rule matching on source, detail-type and
 * event names does (deploy/aws/events.yaml has no User-Agent filter): the consumer drops ecsnet's own by the
 * `ecsnet/<version>` token CloudTrail records in `userAgent`, and tests prove it does not loop.
 *
 * Record shapes follow what CloudTrail writes for EC2 (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html):
 * the older Query actions in camelCase with list parameters as `<name>Set: { items: [...] }`
 * (`CreateTags`: `resourcesSet.items[].resourceId`, `tagSet.items[]`), `responseElements` as the XML answer
 * without its root (`_return` for `return`); the newer actions (VPC endpoints, NAT gateways) wrapped in
 * `<Action>Request` with the Query names and `{ tag, content }` list members, their response under
 * `<Action>Response`.
 */
import { randomUUID } from "node:crypto";
import { XMLParser } from "fast-xml-parser";

/** Actions CloudTrail records in the wrapped `<Action>Request` / `<Action>Response` form. */
const WRAPPED = new Set([
  "CreateVpcEndpoint",
  "ModifyVpcEndpoint",
  "DeleteVpcEndpoints",
  "CreateNatGateway",
  "DeleteNatGateway",
]);

/** One EC2 call as the sandbox saw it. */
export interface Ec2Call {
  readonly action: string;
  readonly params: ReadonlyMap<string, string>;
  /** The XML answer. */
  readonly responseXml: string;
  readonly userAgent: string;
  readonly accessKeyId: string;
  readonly sourceIp: string;
  readonly requestId: string;
  /** The account the call acted in (a role session's); default: the sandbox's default account. */
  readonly accountId?: string;
}

/** A queue subscribed to the event bus, optionally only for some event names (the rule's `detail.eventName`). */
export interface Subscription {
  readonly queueUrl: string;
  readonly eventNames?: readonly string[];
}

type Tree = { [k: string]: Tree } | string;

/** `A.1.B=x&A.2.B=y` → { A: { "1": { B: "x" }, "2": { B: "y" } } }. */
function treeOf(params: ReadonlyMap<string, string>): Record<string, Tree> {
  const root: Record<string, Tree> = {};
  for (const [key, value] of params) {
    if (key === "Action" || key === "Version") continue;
    const parts = key.split(".");
    let node = root as Record<string, Tree>;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) node[p] = value;
      else {
        const next = node[p];
        node = (typeof next === "object" ? next : (node[p] = {})) as Record<string, Tree>;
      }
    });
  }
  return root;
}

const isIndexed = (t: Tree): t is Record<string, Tree> =>
  typeof t === "object" && Object.keys(t).length > 0 && Object.keys(t).every((k) => /^\d+$/.test(k));
const lc = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const scalar = (key: string, v: string): unknown =>
  v === "true" ? true : v === "false" ? false : /^-?\d+$/.test(v) && /Port$|^Value$/.test(key) ? Number(v) : v;

/** The wrapped form: Query names, list members as `{ tag: N, content }` (one) or an array of them (several). */
function wrapped(t: Record<string, Tree>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === "string") out[k] = scalar(k, v);
    else if (isIndexed(v)) {
      const items = Object.entries(v)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([i, x]) => (typeof x === "string" ? { tag: Number(i), content: x } : { tag: Number(i), ...wrapped(x) }));
      out[k] = items.length === 1 ? items[0] : items;
    } else out[k] = wrapped(v);
  }
  return out;
}

/** The older form: camelCase, lists as `<name>Set: { items }` (plural names keep their name), `ResourceId` → `resourcesSet`. */
function legacy(t: Record<string, Tree>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === "string") out[lc(k)] = scalar(k, v);
    else if (isIndexed(v)) {
      const name = k === "ResourceId" ? "resources" : k;
      const setName = /s$/.test(name) ? lc(name) : `${lc(name)}Set`;
      const items = Object.entries(v)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, x]) => (typeof x === "string" ? { [lc(k)]: x } : legacy(x)));
      out[setName] = { items };
    } else out[lc(k)] = legacy(v);
  }
  return out;
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === "item" });

/** `<xSet><item>..</item></xSet>` → `xSet: { items: [...] }`; `return` → `_return`. */
function fromXml(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromXml);
  if (typeof v !== "object" || v === null) return v === "true" ? true : v === "false" ? false : v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === "item") out.items = fromXml(x);
    else out[k === "return" ? "_return" : k] = fromXml(x);
  }
  return out;
}

/** The CloudTrail record of one EC2 call, in an EventBridge envelope. */
export function cloudTrailEvent(
  call: Ec2Call,
  where: { readonly region: string; readonly accountId: string; readonly now: number },
): Record<string, unknown> {
  const tree = treeOf(call.params);
  const requestParameters = WRAPPED.has(call.action) ? { [`${call.action}Request`]: wrapped(tree) } : legacy(tree);
  const parsed = xml.parse(call.responseXml) as Record<string, unknown>;
  const rootName = `${call.action}Response`;
  const body = fromXml(parsed[rootName] ?? {}) as Record<string, unknown>;
  const responseElements = WRAPPED.has(call.action) ? { [rootName]: body } : body;
  const time = new Date(where.now).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.ec2",
    account: where.accountId,
    time,
    region: where.region,
    resources: [],
    detail: {
      eventVersion: "1.09",
      userIdentity: {
        type: "IAMUser",
        principalId: call.accessKeyId,
        arn: `arn:aws:iam::${where.accountId}:user/${call.accessKeyId}`,
        accountId: where.accountId,
        accessKeyId: call.accessKeyId,
        userName: call.accessKeyId,
      },
      eventTime: time,
      eventSource: "ec2.amazonaws.com",
      eventName: call.action,
      awsRegion: where.region,
      sourceIPAddress: call.sourceIp,
      userAgent: call.userAgent,
      requestParameters,
      responseElements,
      requestID: call.requestId,
      eventID: randomUUID(),
      readOnly: false,
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: where.accountId,
      eventCategory: "Management",
    },
  };
}

/** The event bus: subscriptions and delivery (optionally delayed, as AWS's own delivery is). */
export class SandboxEventBus {
  private subs: Subscription[] = [];
  /** Delivered events, newest last (the latest 10,000): what the benchmark and tests read. */
  private readonly log: { at: number; queueUrl: string; eventName: string; userAgent: string }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Delay before each delivery, ms (CloudTrail → EventBridge takes seconds to minutes on AWS). */
  delayMs = 0;

  constructor(
    private readonly deliver: (queueUrl: string, body: string) => void,
    private readonly where: () => { region: string; accountId: string; now: number },
  ) {}

  subscribe(s: Subscription): void {
    this.subs = [...this.subs.filter((x) => x.queueUrl !== s.queueUrl), s];
  }

  subscriptions(): Subscription[] {
    return [...this.subs];
  }

  deliveries(): readonly { at: number; queueUrl: string; eventName: string; userAgent: string }[] {
    return [...this.log];
  }

  clear(): void {
    this.subs = [];
    this.log.length = 0;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** A successful mutating EC2 call happened. */
  publish(call: Ec2Call): void {
    const targets = this.subs.filter((s) => !s.eventNames || s.eventNames.includes(call.action));
    if (targets.length === 0) return;
    const where = this.where();
    const event = JSON.stringify(
      cloudTrailEvent(call, call.accountId !== undefined ? { ...where, accountId: call.accountId } : where),
    );
    const send = () => {
      for (const s of targets) {
        try {
          this.deliver(s.queueUrl, event);
          this.log.push({
            at: this.where().now,
            queueUrl: s.queueUrl,
            eventName: call.action,
            userAgent: call.userAgent,
          });
          // A long-running sandbox keeps the latest 10,000 only.
          if (this.log.length > 10_000) this.log.splice(0, this.log.length - 10_000);
        } catch {
          // A queue deleted since it was subscribed: EventBridge drops (or dead-letters) the event.
        }
      }
    };
    if (this.delayMs <= 0) return send();
    const t = setTimeout(() => {
      this.timers.delete(t);
      send();
    }, this.delayMs);
    this.timers.add(t);
  }
}
