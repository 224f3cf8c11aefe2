/**
 * EC2's CloudTrail management events as EventBridge delivers them to an SQS queue, read as plain data.
 * PURE: no SDK, no clock, no I/O. Three steps, each a function of its input alone:
 *
 *  - {@link parseEventMessage}: an SQS message body → an {@link Ec2ApiCall}, or why it is not one. EventBridge
 *    puts the event itself in the body (no SNS envelope): `detail-type` "AWS API Call via CloudTrail",
 *    `source` "aws.ec2", and the CloudTrail record in `detail` (`eventName`, `awsRegion`, `userAgent`,
 *    `recipientAccountId`, `requestParameters`, `responseElements`, `errorCode`)
 *    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-ct-api-tutorial.html;
 *    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
 *  - {@link touchedIds}: the resource ids an event names. CloudTrail records EC2's request in two shapes: the
 *    older Query actions in camelCase with `...Set: { items: [...] }` lists (`DeleteRoute`: `routeTableId`;
 *    `CreateTags`: `resourcesSet.items[].resourceId`), the newer ones wrapped in `<Action>Request` with the
 *    Query parameter names and `{ tag, content }` list members (`DeleteVpcEndpoints`:
 *    `DeleteVpcEndpointsRequest.VpcEndpointId`). Rather than one parser per shape, every string anywhere in
 *    `requestParameters` and `responseElements` that has the form of an id of a kind ecsnet manages is taken:
 *    the same answer for both shapes and for shapes AWS adds later.
 *  - {@link classifyEvent}: ecsnet's own call, an event it does not watch, a failed call, or one to act on.
 *
 * {@link WATCHED_EC2_EVENTS} is the single list of event names: the EventBridge rule in
 * deploy/aws/events.yaml must name exactly these (test/unit/deploy/events-template.test.ts checks it).
 */

/** The EC2 API calls whose events can change what a PrivateEcsNetwork manages. */
export const WATCHED_EC2_EVENTS = [
  "CreateVpcEndpoint",
  "ModifyVpcEndpoint",
  "DeleteVpcEndpoints",
  "CreateRoute",
  "ReplaceRoute",
  "DeleteRoute",
  "AssociateRouteTable",
  "DisassociateRouteTable",
  "ReplaceRouteTableAssociation",
  "AuthorizeSecurityGroupIngress",
  "RevokeSecurityGroupIngress",
  "RevokeSecurityGroupEgress",
  "DeleteSecurityGroup",
  "DeleteNatGateway",
  "ReleaseAddress",
  "DisassociateAddress",
  "ModifyVpcAttribute",
  "CreateTags",
  "DeleteTags",
] as const;
export type WatchedEc2Event = (typeof WATCHED_EC2_EVENTS)[number];

/**
 * Calls that name only an association id (`rtbassoc-`, `eipassoc-`), which no status or spec records: they
 * can touch any network of their account and region, so all of those are enqueued.
 */
export const REGION_WIDE_EVENTS: ReadonlySet<string> = new Set([
  "DisassociateRouteTable",
  "ReplaceRouteTableAssociation",
  "DisassociateAddress",
]);

/** The `detail-type` of every CloudTrail event EventBridge delivers. */
export const CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail";
/** The product token ecsnet puts in its SDK clients' User-Agent (aws/clients.ts) and CloudTrail records. */
export const ECSNET_USER_AGENT_NAME = "ecsnet";

/** One EC2 API call, as the operator needs it from the event. */
export interface Ec2ApiCall {
  /** The EventBridge event id (`id`), for logs. */
  readonly id: string;
  readonly eventName: string;
  /** The account the event is for (`detail.recipientAccountId`, else the envelope's `account`). */
  readonly account: string;
  /** `detail.awsRegion`, else the envelope's `region`. */
  readonly region: string;
  /** `detail.userAgent` ("" when absent). */
  readonly userAgent: string;
  /** `detail.eventTime` (or the envelope's `time`), as written. */
  readonly time: string;
  /** `detail.errorCode`: the call failed and changed nothing. */
  readonly errorCode?: string;
  readonly requestParameters: unknown;
  readonly responseElements: unknown;
}

/** The outcome of {@link parseEventMessage}. */
export type ParsedMessage =
  { readonly ok: true; readonly call: Ec2ApiCall } | { readonly ok: false; readonly reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Read an SQS message body as an EventBridge-delivered CloudTrail event of EC2. Never throws. */
export function parseEventMessage(body: string): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (!isObject(json)) return { ok: false, reason: "not a JSON object" };
  if (json["detail-type"] !== CLOUDTRAIL_DETAIL_TYPE)
    return { ok: false, reason: `detail-type is not "${CLOUDTRAIL_DETAIL_TYPE}"` };
  if (json.source !== "aws.ec2") return { ok: false, reason: `source ${String(json.source)} is not aws.ec2` };
  const d = json.detail;
  if (!isObject(d)) return { ok: false, reason: "no detail" };
  const eventName = str(d.eventName);
  const region = str(d.awsRegion) ?? str(json.region);
  if (!eventName || !region) return { ok: false, reason: "detail has no eventName or awsRegion" };
  const errorCode = str(d.errorCode);
  return {
    ok: true,
    call: {
      id: str(json.id) ?? "",
      eventName,
      account: str(d.recipientAccountId) ?? str(json.account) ?? "",
      region,
      userAgent: str(d.userAgent) ?? "",
      time: str(d.eventTime) ?? str(json.time) ?? "",
      ...(errorCode ? { errorCode } : {}),
      requestParameters: d.requestParameters ?? null,
      responseElements: d.responseElements ?? null,
    },
  };
}

/** True when the User-Agent carries ecsnet's product token (`ecsnet/<version>`) as one of its words. */
export function isEcsnetUserAgent(userAgent: string): boolean {
  return userAgent.split(/\s+/).some((w) => w.startsWith(`${ECSNET_USER_AGENT_NAME}/`));
}

/** The id kinds ecsnet manages or reads, by their prefix. */
export const ID_KINDS = ["vpce", "rtb", "sg", "nat", "eipalloc", "vpc", "subnet"] as const;
export type IdKind = (typeof ID_KINDS)[number];
/** `vpce-0a1b…`: a kind from {@link ID_KINDS}, a dash, hex (8 for old ids, 17 for new ones). */
const ID_RE = new RegExp(`^(${ID_KINDS.join("|")})-[0-9a-f]{8,17}$`);

/** Every id of a kind from {@link ID_KINDS} found in a JSON value (strings at any depth), sorted, unique. */
export function idsIn(value: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === "string") {
      if (ID_RE.test(v)) out.add(v);
    } else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (isObject(v)) for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...out].sort();
}

/** The kind of an id ("vpce-…" → "vpce"), or undefined. */
export function idKind(id: string): IdKind | undefined {
  const m = ID_RE.exec(id);
  return m ? (m[1] as IdKind) : undefined;
}

/** What the resource ids of a call reach. */
export interface Touched {
  /** Ids named in the request or the response. */
  readonly ids: readonly string[];
  /** The call can touch any network of its account and region (it names only an association id). */
  readonly regionWide: boolean;
}

/** The resource ids a call names, in its request and its response. */
export function touchedIds(call: Ec2ApiCall): Touched {
  return {
    ids: idsIn([call.requestParameters, call.responseElements]),
    regionWide: REGION_WIDE_EVENTS.has(call.eventName),
  };
}

/** What to do with an event. */
export const EventOutcome = {
  /** Matched one or more networks: they were enqueued. */
  Matched: "matched",
  /** A watched call that touches no network ecsnet knows. */
  Unmatched: "unmatched",
  /** Made by ecsnet itself (its User-Agent): its own reconcile already knows. */
  Own: "own",
  /** An EC2 call ecsnet does not watch (a wider rule than deploy/aws/events.yaml). */
  Unwatched: "unwatched",
  /** The call failed (`errorCode`), so it changed nothing. */
  Failed: "failed",
  /** Not an EventBridge CloudTrail event of EC2 (or not JSON). */
  Invalid: "invalid",
} as const;
export type EventOutcome = (typeof EventOutcome)[keyof typeof EventOutcome];

const WATCHED: ReadonlySet<string> = new Set(WATCHED_EC2_EVENTS);

/** Whether a parsed call is worth matching (`undefined`), or the outcome that ends its handling now. */
export function triage(call: Ec2ApiCall): EventOutcome | undefined {
  if (!WATCHED.has(call.eventName)) return EventOutcome.Unwatched;
  if (isEcsnetUserAgent(call.userAgent)) return EventOutcome.Own;
  if (call.errorCode) return EventOutcome.Failed;
  return undefined;
}
