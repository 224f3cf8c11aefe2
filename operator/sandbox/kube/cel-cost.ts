/**
 * Static cost estimation of x-kubernetes-validations rules, after kube-apiserver: a rule's worst-case
 * cost is estimated from the schema's bounds (maxLength, maxItems, maxProperties), multiplied by how
 * many times the rule can run in one object (the product of the bounds of the lists and maps above
 * it), and compared with the per-rule and per-CRD budgets.
 *
 * Sources (kubernetes/kubernetes, staging/src/k8s.io/):
 * - apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go: StaticEstimatedCostLimit,
 *   StaticEstimatedCRDCostLimit, getExpressionCost (cost × MaxCardinality), getCostErrorMessage;
 * - apiextensions-apiserver/pkg/apis/apiextensions/validation/cel_validation.go: MaxCardinality of a node
 *   (unbounded lists/maps are sized from the request limit);
 * - apiserver/pkg/cel/common/schemas.go and apiserver/pkg/cel/limits.go: maxRequestSizeBytes (3 MiB),
 *   estimateMaxStringLengthPerRequest, estimateMaxArrayItemsFromMinSize;
 * - cel-go checker/cost.go: the cost model (1 per identifier, selection and call; string traversal
 *   at 0.1 per character; comprehensions cost their body once per element).
 *
 * The cel-go model is followed for the operations CRD rules use (selection, has, size, comparisons,
 * logic, string functions, the list macros, `in`, `+`); an operation it does not know is costed as a
 * plain call. The estimate is meant to refuse what kube-apiserver refuses for unbounded lists and
 * strings, not to reproduce cel-go's figure to the unit.
 */
import { parse, type ASTNode } from "@marcbachmann/cel-js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** The budgets and limits, as kube-apiserver defines them. */
export const CelLimits = {
  /** validation.go StaticEstimatedCostLimit: largest estimated cost of one expression. */
  StaticEstimatedCostLimit: 10_000_000,
  /** validation.go StaticEstimatedCRDCostLimit: largest estimated total of a CRD's rules. */
  StaticEstimatedCRDCostLimit: 100_000_000,
  /** apiserver/pkg/apis/cel/config.go PerCallLimit: runtime cost of one evaluation. */
  PerCallLimit: 1_000_000,
  /** apiserver/pkg/apis/cel/config.go RuntimeCELCostBudget: runtime cost of one object's rules. */
  RuntimeCELCostBudget: 10_000_000,
  /** apiserver/pkg/cel/limits.go: the largest request the server accepts, which bounds unbounded values. */
  MaxRequestSizeBytes: 3 * 1024 * 1024,
} as const;

/** cel-go common/cost.go StringTraversalCostFactor and RegexStringLengthCostFactor. */
const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;

/** The smallest JSON a value of this schema can take (schemas.go minimum sizes). */
function minSerializedSize(s: Obj | undefined): number {
  switch (s?.type) {
    case "string":
      return 2; // ""
    case "boolean":
      return 4; // true
    case "integer":
    case "number":
      return 1;
    case "array":
    case "object":
      return 2; // [] {}
    default:
      return 1;
  }
}

/** The most items a list (or entries a map) of this schema can hold. */
export function maxElements(s: Obj): number {
  const declared = s.type === "array" ? s.maxItems : s.maxProperties;
  if (typeof declared === "number") return declared;
  const item = s.type === "array" ? s.items : s.additionalProperties;
  // estimateMaxArrayItemsFromMinSize: one separator per item; a map entry adds its key ("":) too
  const perItem = minSerializedSize(isObj(item) ? item : undefined) + (s.type === "array" ? 1 : 4);
  return Math.floor((CelLimits.MaxRequestSizeBytes - 2) / perItem);
}

/** The longest string of this schema (estimateMaxStringLengthPerRequest). */
export function maxStringLength(s: Obj | undefined): number {
  if (typeof s?.maxLength === "number") return s.maxLength;
  return CelLimits.MaxRequestSizeBytes - 2;
}

/** What the estimator knows of a value: its schema (when it comes from `self`) or a literal size. */
interface Val {
  readonly schema?: Obj;
  readonly literalSize?: number;
}

/** The size of a value: characters of a string, items of a list, entries of a map. */
function sizeOf(v: Val): number {
  if (v.literalSize !== undefined) return v.literalSize;
  const s = v.schema;
  if (!s) return 1;
  if (s.type === "string") return maxStringLength(s);
  if (s.type === "array" || (s.type === "object" && isObj(s.additionalProperties))) return maxElements(s);
  if (s.type === "object" && isObj(s.properties)) return Object.keys(s.properties).length;
  return 1;
}

const child = (v: Val, name: string): Val => {
  const s = v.schema;
  if (!s) return {};
  const props = isObj(s.properties) ? (s.properties as Record<string, Obj>) : undefined;
  if (props?.[name]) return { schema: props[name] };
  if (isObj(s.additionalProperties)) return { schema: s.additionalProperties };
  return {};
};
const element = (v: Val): Val => {
  const s = v.schema;
  if (!s) return {};
  if (s.type === "array" && isObj(s.items)) return { schema: s.items };
  if (isObj(s.additionalProperties)) return { schema: s.additionalProperties };
  return {};
};

const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"]);
const ceil = Math.ceil;

/** The worst-case cost of `node` and what it yields. `scope` maps names (self, oldSelf, loop vars) to values. */
function estimate(node: ASTNode, scope: ReadonlyMap<string, Val>): { cost: number; val: Val } {
  const a = node.args as unknown;
  switch (node.op) {
    case "value":
      return { cost: 0, val: { literalSize: typeof a === "string" ? a.length : 1 } };
    case "id":
      return { cost: 1, val: scope.get(a as string) ?? {} };
    case ".":
    case ".?": {
      const [target, name] = a as [ASTNode, string];
      const t = estimate(target, scope);
      return { cost: t.cost + 1, val: child(t.val, name) };
    }
    case "[]":
    case "[?]": {
      const [target, index] = a as [ASTNode, ASTNode];
      const t = estimate(target, scope);
      return { cost: t.cost + estimate(index, scope).cost + 1, val: element(t.val) };
    }
    case "list": {
      const items = (a as ASTNode[]).map((n) => estimate(n, scope));
      return { cost: 10 + items.reduce((x, i) => x + i.cost, 0), val: { literalSize: items.length } };
    }
    case "map": {
      const entries = a as [ASTNode, ASTNode][];
      const cost = entries.reduce((x, [k, v]) => x + estimate(k, scope).cost + estimate(v, scope).cost, 30);
      return { cost, val: { literalSize: entries.length } };
    }
    case "?:": {
      const [c, t, f] = (a as ASTNode[]).map((n) => estimate(n, scope)) as [
        ReturnType<typeof estimate>,
        ReturnType<typeof estimate>,
        ReturnType<typeof estimate>,
      ];
      return { cost: c.cost + Math.max(t.cost, f.cost), val: t.cost >= f.cost ? t.val : f.val };
    }
    case "&&":
    case "||": {
      const [l, r] = (a as [ASTNode, ASTNode]).map((n) => estimate(n, scope));
      return { cost: (l?.cost ?? 0) + (r?.cost ?? 0), val: {} };
    }
    case "!_":
    case "-_":
      return { cost: estimate(a as ASTNode, scope).cost + 1, val: {} };
    case "call": {
      const [name, args] = a as [string, ASTNode[]];
      if (name === "has") return { cost: estimate(args[0] as ASTNode, scope).cost, val: {} };
      const est = args.map((n) => estimate(n, scope));
      const argCost = est.reduce((x, e) => x + e.cost, 0);
      if (name === "size") return { cost: argCost + 1, val: {} };
      if (name === "string" || name === "bytes") {
        return { cost: argCost + ceil(sizeOf(est[0]?.val ?? {}) * STRING_TRAVERSAL) + 1, val: { literalSize: 20 } };
      }
      return { cost: argCost + 1, val: {} };
    }
    case "rcall": {
      const [name, target, args] = a as [string, ASTNode, ASTNode[]];
      const t = estimate(target, scope);
      if (COMPREHENSIONS.has(name) && args.length >= 2) {
        const n = sizeOf(t.val);
        const loopVar = (args[0] as ASTNode).args as string;
        const inner = new Map(scope).set(loopVar, element(t.val));
        const body = args.slice(1).reduce((x, b) => x + estimate(b, inner).cost, 0);
        // cel-go: the range once, then per element the loop step and the body (plus the accumulator for map/filter)
        const perElement = body + 1 + (name === "map" || name === "filter" ? 1 : 0);
        return {
          cost: t.cost + n * perElement,
          val: name === "map" || name === "filter" ? { literalSize: n } : {},
        };
      }
      const est = args.map((x) => estimate(x, scope));
      const argCost = t.cost + est.reduce((x, e) => x + e.cost, 0);
      const targetLen = sizeOf(t.val);
      const argLen = sizeOf(est[0]?.val ?? {});
      switch (name) {
        case "size":
          return { cost: argCost + 1, val: {} };
        case "startsWith":
        case "endsWith":
          return { cost: argCost + ceil(argLen * STRING_TRAVERSAL), val: {} };
        case "contains":
          return { cost: argCost + ceil(targetLen * STRING_TRAVERSAL) * ceil(argLen * STRING_TRAVERSAL), val: {} };
        case "matches":
          return { cost: argCost + ceil(targetLen * STRING_TRAVERSAL) * ceil(argLen * REGEX_LENGTH), val: {} };
        case "lowerAscii":
        case "upperAscii":
        case "trim":
        case "split":
        case "replace":
        case "indexOf":
        case "lastIndexOf":
        case "substring":
        case "join":
          return { cost: argCost + ceil(targetLen * STRING_TRAVERSAL) + 1, val: { literalSize: targetLen } };
        default:
          return { cost: argCost + 1, val: {} };
      }
    }
    default: {
      // binary operators
      const [l, r] = (a as [ASTNode, ASTNode]).map((n) => estimate(n, scope)) as [
        ReturnType<typeof estimate>,
        ReturnType<typeof estimate>,
      ];
      const base = l.cost + r.cost;
      const ls = l.val.schema;
      const stringish = ls?.type === "string" || l.val.literalSize !== undefined;
      switch (node.op) {
        case "==":
        case "!=": {
          if (stringish)
            return { cost: base + 1 + ceil(Math.min(sizeOf(l.val), sizeOf(r.val)) * STRING_TRAVERSAL), val: {} };
          if (ls?.type === "array" || ls?.type === "object")
            return { cost: base + 1 + sizeOf(l.val) * deepSize(ls), val: {} };
          return { cost: base + 1, val: {} };
        }
        case "in":
          return { cost: base + 1 + sizeOf(r.val), val: {} };
        case "+":
          return {
            cost: base + 1 + ceil((sizeOf(l.val) + sizeOf(r.val)) * STRING_TRAVERSAL),
            val: { literalSize: sizeOf(l.val) + sizeOf(r.val) },
          };
        default:
          return { cost: base + 1, val: {} };
      }
    }
  }
}

/** Rough cost of comparing one element of this collection (strings by length, objects by their fields). */
function deepSize(s: Obj): number {
  const e = element({ schema: s }).schema;
  if (!e) return 1;
  if (e.type === "string") return ceil(maxStringLength(e) * STRING_TRAVERSAL);
  if (e.type === "array" || e.type === "object") return Math.max(1, sizeOf({ schema: e }));
  return 1;
}

/**
 * The estimated worst-case cost of one evaluation of `rule` on a node of `schema` (before the
 * cardinality factor). Throws the parser's error when the rule does not parse.
 */
export function estimateRuleCost(rule: string, schema: Obj): number {
  const { ast } = parse(rule);
  const self: Val = { schema };
  return estimate(
    ast,
    new Map([
      ["self", self],
      ["oldSelf", self],
    ]),
  ).cost;
}

/**
 * kube-apiserver's cost message (validation.go getCostErrorMessage): "more than 100x" past two orders of
 * magnitude, six decimals under 1.5, one decimal otherwise.
 */
export function costErrorMessage(costName: string, cost: number, limit: number): string {
  const factor = cost / limit;
  const f = factor > 100 ? "more than 100x" : factor < 1.5 ? `${factor.toFixed(6)}x` : `${factor.toFixed(1)}x`;
  return (
    `${costName} exceeds budget by factor of ${f} (try simplifying the rule, or adding maxItems, ` +
    "maxProperties, and maxLength where arrays, maps, and strings are declared)"
  );
}
