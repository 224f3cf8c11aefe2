/**
 * The shared drift sweep under the real `ecsnet run`: with several converged networks, an endpoint deleted
 * out of band in one of them is repaired after the sweep's one shared observe noticed it, and the other
 * networks are not reconciled at all (their part of the snapshot did not change).
 */
import { DeleteVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import type { TwoAzVpc } from "../helpers/aws-sandbox.js";
import {
  PEN,
  eventually,
  sleep,
  spawnOperator,
  startE2eWorld,
  type E2eWorld,
  type OperatorProcess,
} from "../helpers/operator.js";
import { networkManifest, owned, readyNetwork, viewVpc } from "./aws-world.js";

let world: E2eWorld;
let op: OperatorProcess;
const names = ["sweep-a", "sweep-b", "sweep-c"];
const vpcs = new Map<string, TwoAzVpc>();

beforeAll(async () => {
  world = await startE2eWorld();
  // A sweep every 1.5 s; a converged network's own full observe far beyond the test.
  op = await spawnOperator(world, {
    env: { ECSNET_RESYNC_MS: "1500", ECSNET_PENDING_REQUEUE_MS: "300", ECSNET_FULL_OBSERVE_MS: "3600000" },
  });
  for (const name of names) {
    const vpc = await world.newVpc();
    vpcs.set(name, vpc);
    await world.kube.create({ resource: PEN, body: networkManifest(world, name, vpc) });
  }
  for (const name of names) await readyNetwork(world, name);
});

afterAll(async () => {
  await world?.close();
});

const reconcilesOf = (key: string, from: number) =>
  op.logs.slice(from).filter((l) => l.msg === "reconciled" && l.key === key).length;
const keyOf = (name: string) => `${world.namespace}/${name}`;

it("repairs an endpoint deleted out of band in one network via the sweep, without reconciling the others", async () => {
  // Quiet: a few sweeps in a row with no reconcile at all (every network converged and seen by the sweep).
  let mark = op.logs.length;
  await eventually(
    async () => {
      await sleep(4_000);
      const busy = names.filter((n) => reconcilesOf(keyOf(n), mark) > 0);
      mark = op.logs.length;
      if (busy.length > 0) throw new Error(`still reconciling ${busy.join(", ")}`);
    },
    { what: "every network is quiet between sweeps", timeoutMs: 60_000 },
  );
  const sweepsBefore = op.logs.filter((l) => l.msg === "drift sweep").length;
  expect(sweepsBefore).toBeGreaterThan(0);

  const victimNet = "sweep-b";
  const vpc = vpcs.get(victimNet)!;
  const uid = (await world.kube.get({ resource: PEN, namespace: world.namespace, name: victimNet }))!.metadata.uid!;
  const victim = owned(await viewVpc(world, vpc.vpcId), uid).endpoints.find((e) => e.VpcEndpointType === "Interface")!;
  const from = op.logs.length;
  await world.ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [victim.VpcEndpointId!] }));

  // Repaired: an endpoint for the same service of ours, alive again.
  await eventually(
    async () => {
      const again = owned(await viewVpc(world, vpc.vpcId), uid).endpoints.find(
        (e) => e.ServiceName === victim.ServiceName && e.VpcEndpointId !== victim.VpcEndpointId,
      );
      if (!again) throw new Error(`${victim.ServiceName} not re-created`);
    },
    { what: "the deleted endpoint is re-created" },
  );
  // The endpoint exists as soon as the repairing reconcile has made its create call; that reconcile's status write
  // and its log line come after, and until then the object still carries its Ready from before the deletion.
  await eventually(
    async () => {
      if (reconcilesOf(keyOf(victimNet), from) === 0) throw new Error(`${victimNet}'s repair not logged yet`);
    },
    { what: "the repairing reconcile has finished" },
  );
  await readyNetwork(world, victimNet);

  // The sweep saw it: it enqueued exactly the victim.
  const sweeps = op.logs.slice(from).filter((l) => l.msg === "drift sweep" && Number(l.enqueued) > 0);
  expect(sweeps.length).toBeGreaterThan(0);
  expect(reconcilesOf(keyOf(victimNet), from)).toBeGreaterThan(0);
  // A few more sweeps: the others are still never reconciled.
  await sleep(4_000);
  for (const other of names.filter((n) => n !== victimNet))
    expect([other, reconcilesOf(keyOf(other), from)]).toEqual([other, 0]);
});
