/**
 * The registry's limits against DynamoDB Local (README "Security"): a broker group at its largest
 * stays far under DynamoDB's 400 KB item limit and a steady heartbeat into it costs tens of WCU, not
 * hundreds; one member more, or a group more than the registry holds, is a 400 that names the limit,
 * and changes nothing.
 */
import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../lib/domain/errors";
import { LIMITS, registerBrokerSchema } from "../../lib/domain/model";
import { registration, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture();

/** A DNS name of exactly `length` characters (at most 253): labels of 61 letters and a seed. */
function hostOf(length: number, seed: string): string {
  let host = seed;
  while (host.length < length) host += host.length % 62 === 61 ? "." : "a";
  host = host.slice(0, length);
  return host.endsWith(".") ? `${host.slice(0, -1)}b` : host;
}

/** The largest member the schema accepts: long addresses, filter servers at their total. */
function largestMember(brokerName: string, brokerId: number) {
  const addr = `${hostOf(253, `m${brokerId}`)}:10911`;
  const filterServers: string[] = [];
  let chars = 0;
  for (let i = 0; filterServers.length < LIMITS.filterServersPerMember; i++) {
    const fs = `f${brokerId}x${i}.example.com:${30000 + i}`;
    if (chars + fs.length > LIMITS.filterServerChars) break;
    filterServers.push(fs);
    chars += fs.length;
  }
  return registration({
    brokerName,
    brokerId,
    brokerAddr: addr,
    haServerAddr: `${hostOf(253, `h${brokerId}`)}:10912`,
    filterServerList: filterServers,
  });
}

describe("limits", () => {
  it("a group at membersPerGroup of the largest members: a steady heartbeat costs under 64 WCU", async () => {
    const brokerName = "limits-full";
    const members = Array.from({ length: LIMITS.membersPerGroup }, (_, id) => largestMember(brokerName, id));
    for (const m of members) await f.nameServer.registerBroker(m);
    for (const m of members) await f.nameServer.registerBroker(m); // each member's first steady one
    f.capacity.reset();
    await f.nameServer.registerBroker(members[0] as (typeof members)[number]);
    const steady = f.capacity.totals;
    expect(steady.requests).toBe(1);
    expect(steady.wcu).toBeGreaterThan(1);
    expect(steady.wcu).toBeLessThan(64);
    console.log(
      `steady heartbeat into the largest group (${LIMITS.membersPerGroup} members): ${steady.wcu} WCU`,
    );

    // One member more: refused, naming the limit, and the group is unchanged.
    const extra = largestMember(brokerName, LIMITS.membersPerGroup);
    const error = await f.nameServer.registerBroker(extra).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).message).toMatch(/membersPerGroup/);
    expect((error as InvalidRequestError).details?.[0]?.field).toBe("brokerId");
    const group = await f.store.getGroup(brokerName);
    expect(Object.keys(group?.members ?? {})).toHaveLength(LIMITS.membersPerGroup);
  });

  it("a member that re-registers in a full group, or takes another's id, is not refused", async () => {
    const brokerName = "limits-full";
    const again = largestMember(brokerName, 3);
    await expect(
      f.nameServer.registerBroker({ ...again, dataVersion: { ...again.dataVersion, counter: 9 } }),
    ).resolves.toBeDefined();
  });

  it("no new broker group once the registry holds `groups` of them; existing groups keep heartbeating", async () => {
    await f.nameServer.registerBroker(registration({ brokerName: "limits-existing" }));
    await f.nameServer.sweep();
    const state = await f.store.getSweeperState();
    expect(state.groupCount).toBeGreaterThanOrEqual(2);
    await f.store.putSweeperState({ ...state, groupCount: LIMITS.groups });

    const error = await f.nameServer
      .registerBroker(registration({ brokerName: "limits-one-too-many" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).message).toMatch(/limit groups/);
    expect(await f.store.getGroup("limits-one-too-many")).toBeUndefined();
    await expect(
      f.nameServer.registerBroker(registration({ brokerName: "limits-existing" })),
    ).resolves.toBeDefined();
  });

  it("the schema names the filter server and brokerId limits", () => {
    const tooLong = registerBrokerSchema.safeParse({
      ...registration(),
      filterServerList: Array.from({ length: 40 }, (_, i) => `${hostOf(60, `x${i}`)}:30000`),
    });
    expect(tooLong.success).toBe(false);
    expect(JSON.stringify(tooLong.error?.issues)).toMatch(/filterServerChars/);
    const bigId = registerBrokerSchema.safeParse({ ...registration(), brokerId: LIMITS.maxBrokerId + 1 });
    expect(JSON.stringify(bigId.error?.issues)).toMatch(/maxBrokerId/);
    expect(registerBrokerSchema.safeParse({ ...registration(), brokerId: LIMITS.maxBrokerId }).success).toBe(
      true,
    );
  });
});
