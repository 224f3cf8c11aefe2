import { EcsApiError, createEcsSandbox } from "../../../operator/sandbox/aws/ecs/service.js";
import type { EcsSandbox } from "../../../operator/sandbox/aws/ecs/service.js";
import { ECS_TARGET_PREFIX, handleEcsRequest } from "../../../operator/sandbox/aws/ecs/http.js";

const target = (op: string) => ECS_TARGET_PREFIX + op;
const fresh = () => createEcsSandbox({ region: "us-east-1", accountId: "123456789012", now: () => 1_700_000_000_000 });
const bodyOf = (r: { body: string }) => JSON.parse(r.body) as Record<string, unknown>;

/** A sandbox whose every operation throws `err`, to exercise the error mapping alone. */
const throwing = (err: unknown): EcsSandbox => ({
  handle: () => {
    throw err;
  },
  reset: () => {},
  dump: () => ({}),
});

describe("handleEcsRequest", () => {
  it("answers a known operation with 200, the JSON 1.1 content type and the operation's output", () => {
    const r = handleEcsRequest(fresh(), target("CreateCluster"), JSON.stringify({ clusterName: "apps" }), "req-1");
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({ "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-1" });
    expect(bodyOf(r)).toMatchObject({ cluster: { clusterName: "apps", status: "ACTIVE" } });
  });

  it("treats an empty body as an empty request object", () => {
    const r = handleEcsRequest(fresh(), target("CreateCluster"), "");
    expect(r.status).toBe(200);
    expect(bodyOf(r)).toMatchObject({ cluster: { clusterName: "default" } });
  });

  const errorCases: [string, () => ReturnType<typeof handleEcsRequest>, number, string][] = [
    [
      "a body that is not JSON is a SerializationException",
      () => handleEcsRequest(fresh(), target("CreateCluster"), "{nope"),
      400,
      "SerializationException",
    ],
    [
      "a JSON array body is a SerializationException",
      () => handleEcsRequest(fresh(), target("CreateCluster"), "[1]"),
      400,
      "SerializationException",
    ],
    [
      "a member of the wrong JSON type is a SerializationException",
      () => handleEcsRequest(fresh(), target("CreateCluster"), '{"clusterName": 7}'),
      400,
      "SerializationException",
    ],
    [
      "an operation ECS does not have is an UnknownOperationException",
      () => handleEcsRequest(fresh(), target("LaunchRockets"), "{}"),
      400,
      "UnknownOperationException",
    ],
    [
      "a target of another service is an UnknownOperationException",
      () => handleEcsRequest(fresh(), "DynamoDB_20120810.ListTables", "{}"),
      400,
      "UnknownOperationException",
    ],
    [
      "a request without a target is an UnknownOperationException",
      () => handleEcsRequest(fresh(), undefined, "{}"),
      400,
      "UnknownOperationException",
    ],
    [
      "an EcsApiError keeps its code and status",
      () =>
        handleEcsRequest(
          throwing(new EcsApiError("ClusterNotFoundException", "Cluster not found.")),
          target("DescribeServices"),
          "{}",
        ),
      400,
      "ClusterNotFoundException",
    ],
    [
      "any other failure is a 500 ServerException",
      () => handleEcsRequest(throwing(new TypeError("boom")), target("ListServices"), "{}"),
      500,
      "ServerException",
    ],
  ];
  it.each(errorCases)("%s", (_name, run, status, code) => {
    const r = run();
    expect(r.status).toBe(status);
    expect(r.headers["x-amzn-errortype"]).toBe(code);
    expect(bodyOf(r)).toEqual({ __type: code, message: expect.any(String) });
  });

  it("passes the error message through unchanged", () => {
    const r = handleEcsRequest(fresh(), target("DescribeServices"), '{"cluster":"nowhere","services":["web"]}');
    expect(bodyOf(r)).toEqual({ __type: "ClusterNotFoundException", message: "Cluster not found." });
  });
});
