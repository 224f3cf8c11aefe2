/**
 * The sandbox ECS API: the logic of the ECS JSON 1.1 operations ecsnet uses, as plain data in,
 * plain data out. The AWS sandbox server routes requests whose X-Amz-Target is
 * `AmazonEC2ContainerServiceV20141113.<Operation>` here (through `handleEcsRequest` in http.ts).
 */
import { clusterOperations } from "./clusters.js";
import { containerInstanceOperations } from "./container-instances.js";
import { EcsApiError } from "./errors.js";
import { serviceQueryOperations } from "./service-queries.js";
import { serviceOperations } from "./services.js";
import type { EcsContext, EcsOperation, EcsState } from "./state.js";
import { copy, emptyState } from "./state.js";
import { taskDefinitionOperations } from "./task-definitions.js";

export { EcsApiError } from "./errors.js";

/** The contract between the sandbox server and the ECS logic. */
export interface EcsSandbox {
  /**
   * Runs one operation (its ECS name, e.g. "CreateService") on a parsed JSON request body and
   * returns the response body, with timestamps as epoch seconds. Throws EcsApiError for every
   * request ECS would reject (UnknownOperationException for an operation it does not model);
   * any other throw is a sandbox bug. A failed request leaves the state unchanged.
   */
  handle(operation: string, input: Record<string, unknown>): Record<string, unknown>;
  /** Forgets everything: no clusters, task definitions, services or container instances. */
  reset(): void;
  /** A JSON-ready deep copy of the whole state, for the admin API and for debugging. */
  dump(): unknown;
}

const operations: Readonly<Record<string, EcsOperation>> = {
  ...clusterOperations,
  ...taskDefinitionOperations,
  ...serviceOperations,
  ...serviceQueryOperations,
  ...containerInstanceOperations,
};

/** The operation names the sandbox answers (ECS names, plus SandboxSetContainerInstanceState). */
export const ecsOperationNames: readonly string[] = Object.keys(operations).sort();

/**
 * A new, empty sandbox ECS API for one account and region. `now` returns epoch milliseconds
 * and stamps every createdAt/registeredAt; nothing else reads a clock.
 */
export function createEcsSandbox(opts: { region: string; accountId: string; now: () => number }): EcsSandbox {
  let state: EcsState = emptyState();
  return {
    handle(operation, input) {
      const op = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (op === undefined) throw new EcsApiError("UnknownOperationException", `Unknown operation ${operation}`);
      // Operations validate before they write, but a copy makes "a failed request changes nothing" hold by construction.
      const draft = copyState(state);
      const ctx: EcsContext = { region: opts.region, accountId: opts.accountId, now: opts.now, state: draft };
      const output = op(ctx, copy(input));
      state = draft;
      return output;
    },
    reset() {
      state = emptyState();
    },
    dump() {
      return {
        clusters: [...state.clusters.values()].map(copy),
        taskDefinitions: [...state.taskDefinitions.values()].flat().map(copy),
        services: [...state.services.values()].map(copy),
        containerInstances: [...state.containerInstances.values()].map(copy),
      };
    },
  };
}

const copyState = (s: EcsState): EcsState => ({
  clusters: new Map(copy([...s.clusters])),
  taskDefinitions: new Map(copy([...s.taskDefinitions])),
  services: new Map(copy([...s.services])),
  containerInstances: new Map(copy([...s.containerInstances])),
  sequence: s.sequence,
});
