/**
 * The checks RegisterTaskDefinition applies, and the values ECS derives from a task definition
 * (compatibilities, requiresAttributes). Messages are ECS's own where known.
 */
import { clientError } from "./errors.js";
import { isObject } from "./state.js";

const NETWORK_MODES = ["bridge", "host", "awsvpc", "none"];
const COMPATIBILITIES = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"];
const LOG_DRIVERS = ["json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"];
const FARGATE_LOG_DRIVERS = ["awslogs", "splunk", "awsfirelens"];

/** Valid Fargate task sizes: cpu units → allowed memory in MiB. */
const FARGATE_SIZES: Readonly<Record<string, (mib: number) => boolean>> = {
  "256": (m) => [512, 1024, 2048].includes(m),
  "512": (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  "1024": (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  "2048": (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  "4096": (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
  "8192": (m) => m >= 16384 && m <= 61440 && m % 4096 === 0,
  "16384": (m) => m >= 32768 && m <= 122880 && m % 8192 === 0,
};

/** Task-level cpu as ECS stores it: "1 vCPU" / "0.25 vcpu" → "1024" / "256"; plain units unchanged. */
export function normalizeCpu(cpu: string | undefined): string | undefined {
  if (cpu === undefined) return undefined;
  const m = /^\s*([\d.]+)\s*vcpu\s*$/i.exec(cpu);
  return m?.[1] ? String(Math.round(Number(m[1]) * 1024)) : cpu.trim();
}

/** Task-level memory as ECS stores it: "2 GB" → "2048"; plain MiB unchanged. */
export function normalizeMemory(memory: string | undefined): string | undefined {
  if (memory === undefined) return undefined;
  const m = /^\s*([\d.]+)\s*gb\s*$/i.exec(memory);
  return m?.[1] ? String(Math.round(Number(m[1]) * 1024)) : memory.trim();
}

/** The parts of a registration request the rules look at. */
export interface TaskDefinitionShape {
  readonly containers: readonly Record<string, unknown>[];
  readonly requiresCompatibilities: readonly string[];
  readonly networkMode?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly executionRoleArn?: string;
  readonly taskRoleArn?: string;
}

const logDriverOf = (c: Record<string, unknown>): string | undefined =>
  isObject(c.logConfiguration) && typeof c.logConfiguration.logDriver === "string"
    ? c.logConfiguration.logDriver
    : undefined;

const secretsOf = (c: Record<string, unknown>): Record<string, unknown>[] =>
  Array.isArray(c.secrets) ? c.secrets.filter(isObject) : [];

const fitsFargate = (t: TaskDefinitionShape): boolean =>
  t.networkMode === "awsvpc" &&
  t.cpu !== undefined &&
  t.memory !== undefined &&
  (FARGATE_SIZES[t.cpu]?.(Number(t.memory)) ?? false) &&
  t.containers.every((c) => {
    const driver = logDriverOf(c);
    return driver === undefined || FARGATE_LOG_DRIVERS.includes(driver);
  });

/** Throws ClientException for the first rule the task definition breaks. */
export function checkTaskDefinition(t: TaskDefinitionShape): void {
  if (t.containers.length === 0) throw clientError("Container list cannot be empty.");
  const names = new Set<string>();
  for (const c of t.containers) {
    if (typeof c.name !== "string" || c.name === "") throw clientError("Container.name should not be null or empty.");
    if (names.has(c.name)) throw clientError("Container names must be unique within a task definition.");
    names.add(c.name);
    if (typeof c.image !== "string" || c.image === "")
      throw clientError("Container.image should not be null or empty.");
    const driver = logDriverOf(c);
    if (c.logConfiguration !== undefined && (driver === undefined || !LOG_DRIVERS.includes(driver))) {
      throw clientError(`Log driver ${driver ?? "(none)"} is not supported.`);
    }
    for (const s of secretsOf(c)) {
      if (typeof s.name !== "string" || typeof s.valueFrom !== "string" || s.valueFrom === "") {
        throw clientError("Secret name and valueFrom should not be null or empty.");
      }
    }
    if (secretsOf(c).length > 0 && t.executionRoleArn === undefined) {
      throw clientError(
        "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
      );
    }
  }
  const bad = t.requiresCompatibilities.find((x) => !COMPATIBILITIES.includes(x));
  if (bad !== undefined) throw clientError(`Invalid compatibility: ${bad}.`);
  if (t.networkMode !== undefined && !NETWORK_MODES.includes(t.networkMode)) {
    throw clientError(`Invalid network mode: ${t.networkMode}.`);
  }
  if (!t.requiresCompatibilities.includes("FARGATE")) return;
  if (t.networkMode !== "awsvpc") throw clientError("Fargate only supports network mode 'awsvpc'.");
  if (t.cpu === undefined) throw clientError("Fargate requires that 'cpu' be defined at the task level.");
  if (t.memory === undefined) throw clientError("Fargate requires that 'memory' be defined at the task level.");
  if (!(FARGATE_SIZES[t.cpu]?.(Number(t.memory)) ?? false)) {
    throw clientError("No Fargate configuration exists for given values.");
  }
  for (const c of t.containers) {
    const driver = logDriverOf(c);
    if (driver !== undefined && !FARGATE_LOG_DRIVERS.includes(driver)) {
      throw clientError(`Log driver ${driver} is not supported on Fargate.`);
    }
    if (driver === "awslogs" && t.executionRoleArn === undefined) {
      throw clientError("Fargate requires task definition to have execution role ARN to support log driver awslogs.");
    }
  }
}

/** The launch types a task definition can run on, as ECS reports in `compatibilities`. */
export function compatibilitiesOf(t: TaskDefinitionShape): string[] {
  return fitsFargate(t) ? ["EC2", "FARGATE"] : ["EC2"];
}

/** The container-instance attributes ECS derives from a task definition (`requiresAttributes`). */
export function requiresAttributesOf(t: TaskDefinitionShape): { name: string }[] {
  const names = new Set<string>();
  for (const c of t.containers) {
    if (logDriverOf(c) === "awslogs") {
      names.add("com.amazonaws.ecs.capability.logging-driver.awslogs");
      if (t.executionRoleArn !== undefined) names.add("ecs.capability.execution-role-awslogs");
    }
    if (typeof c.image === "string" && /\.dkr\.ecr\.[^/]+\.amazonaws\.com\//.test(c.image)) {
      names.add("com.amazonaws.ecs.capability.ecr-auth");
      if (t.executionRoleArn !== undefined) names.add("ecs.capability.execution-role-ecr-pull");
    }
    for (const s of secretsOf(c)) {
      const fromAsm = String(s.valueFrom).startsWith("arn:aws:secretsmanager:");
      names.add(`ecs.capability.secrets.${fromAsm ? "asm" : "ssm"}.environment-variables`);
    }
  }
  if (t.taskRoleArn !== undefined) names.add("com.amazonaws.ecs.capability.task-iam-role");
  if (t.networkMode === "awsvpc") names.add("ecs.capability.task-eni");
  return [...names].sort().map((name) => ({ name }));
}
