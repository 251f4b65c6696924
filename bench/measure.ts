import type { TopicRouteData } from "../lib/domain/model";
import { fastjsonRoute } from "../lib/gateway/processors";
import { etagOf } from "../lib/http/etag";
import { encode, requestCommand } from "../lib/remoting/codec";
import { RequestCode } from "../lib/remoting/protocol";
import { registration, topics } from "../test/support/registry-fixture";
import {
  broker,
  createBench,
  type Figure,
  figure,
  httpBody,
  type Measured,
  memberAddr,
  populate,
  registerAsHandler,
  routesAnswerBody,
  SIZES,
  touchGroups,
} from "./measure-base";
import { measureGateway, registerBrokerFrame } from "./measure-gateway";

async function operations(
  endpoint: string,
  runs: number,
  cacheMs: number,
  log: (m: string) => void,
): Promise<Figure[]> {
  const out: Figure[] = [];
  const b = await createBench(endpoint, cacheMs);
  try {
    log("  registrations and heartbeats");
    // Loads the NameServer's config caches, so that every figure is the warm instance's.
    await registerAsHandler(
      b.nameServer,
      httpBody(broker(1, { brokerName: "warmup", brokerAddr: "10.9.9.9:10911" })),
    );
    for (const n of [10, SIZES.brokerTopics, SIZES.largeBrokerTopics]) {
      out.push(
        await figure(b, {
          id: `registration.first.${n}`,
          label: `first registration, ${n.toLocaleString("en-US")} topics`,
          runs: n >= 10_000 ? Math.min(runs, 2) : Math.min(runs, 5),
          action: (run) =>
            registerAsHandler(b.nameServer, httpBody(broker(n, { brokerName: `first-${n}-${run}` }))),
        }),
      );
    }
    out.push(
      await figure(b, {
        id: "registration.changed.1000",
        label: "re-registration, changed dataVersion, 1,000 topics",
        runs: Math.min(runs, 5),
        action: (run) =>
          registerAsHandler(
            b.nameServer,
            httpBody(
              broker(1_000, {
                brokerName: "first-1000-0",
                dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 10 + run },
              }),
            ),
          ),
      }),
    );
    for (const n of [SIZES.brokerTopics, SIZES.largeBrokerTopics]) {
      const body = httpBody(
        broker(n, {
          brokerName: `first-${n}-0`,
          ...(n === 1_000
            ? {
                dataVersion: {
                  stateVersion: 0,
                  timestamp: 1732400000000,
                  counter: 10 + Math.min(runs, 5) - 1,
                },
              }
            : {}),
        }),
      );
      out.push(
        await figure(b, {
          id: `heartbeat.steady.${n}`,
          label: `steady registration (same dataVersion, same topics), ${n.toLocaleString("en-US")} topics`,
          runs,
          action: async () => {
            if ((await registerAsHandler(b.nameServer, body)).kind !== "steady")
              throw new Error("not steady");
          },
        }),
      );
    }
    const light = Buffer.from(
      JSON.stringify({
        ...broker(0, {
          brokerName: "first-1000-0",
          dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 10 + Math.min(runs, 5) - 1 },
        }),
        topicConfigTable: undefined,
      }),
    );
    out.push(
      await figure(b, {
        id: "heartbeat.light",
        label: "light heartbeat (no topicConfigTable: what the gateway sends for a steady registration)",
        runs,
        action: async () => {
          if ((await registerAsHandler(b.nameServer, light)).kind !== "light") throw new Error("not light");
        },
      }),
    );

    log("  route queries");
    const routeTopics = Array.from({ length: SIZES.hostTopics }, (_, i) => `R-${i}`);
    await populate(b, SIZES.groupsPerTopic, () => routeTopics);
    await b.nameServer.sweep(); // the sweeper state exists on a deployed table
    for (const [server, cache] of [
      [b.nameServer, "off"],
      [b.cached, "warm"],
    ] as const) {
      await server.getRoutes(routeTopics);
      out.push(
        await figure(b, {
          id: `route.get.${cache}`,
          label: `GET /route, topic on ${SIZES.groupsPerTopic} groups, group cache ${cache}`,
          runs,
          action: async (run) =>
            JSON.stringify(await server.getRouteInfoByTopic(routeTopics[run % 20] as string)),
        }),
      );
      for (const n of [SIZES.clientTopics, SIZES.hostTopics]) {
        // A host's batch is a gateway's: it asks for the members' deadlines too.
        const deadlines = n === SIZES.hostTopics;
        out.push(
          await figure(b, {
            id: `routes.post.${n}.${cache}`,
            label: `POST /routes of ${n} topics on ${SIZES.groupsPerTopic} shared groups, group cache ${cache}${deadlines ? ", with deadlines (a gateway's batch)" : ""}`,
            runs: n > 20 ? Math.max(3, Math.floor(runs / 5)) : runs,
            action: async () =>
              routesAnswerBody(
                await server.getRoutes(routeTopics.slice(0, n), undefined, deadlines ? { deadlines } : {}),
              ),
          }),
        );
      }
    }

    // The change feed in the route function: an ask whose instance's window is a second old (the
    // Query of the history since its newest entry less the overlap, and the digest's GetItem), and
    // one answered from the window in memory.
    log("  the change feed");
    // The registrations above are history too, and so is the expiry of their brokers (which the mode's
    // run count varies): both past the instance's window (2 min), as in a steady fleet; the route
    // groups heartbeat meanwhile.
    for (const step of ["touch", "sweep", "touch", "touch"] as const) {
      b.clock.advance(100_000);
      await touchGroups(b, SIZES.groupsPerTopic);
      if (step === "sweep") await b.nameServer.sweep();
    }
    await b.cached.getChanges(b.clock.now());
    for (let i = 0; i < 2; i++) {
      await b.nameServer.unregisterBroker({
        clusterName: "DefaultCluster",
        brokerName: `g-${i}`,
        brokerAddr: memberAddr(i, 1),
        brokerId: 1,
      });
    }
    await b.nameServer.sweep();
    const since = b.clock.now() - 40_000;
    for (const [id, label, step] of [
      [
        "routes.changes.window",
        "POST /routes with changesSince, no topics, the instance's window a second old: the Query of its last 10 s (2 restarts' entries: at 100× the fleet 10 s hold about 2.3) and the digest's GetItem",
        1_001,
      ],
      [
        "routes.changes.warm",
        "POST /routes with changesSince, no topics: answered from the instance's window in memory",
        0,
      ],
    ] as const) {
      out.push(
        await figure(b, {
          id,
          label,
          // The window's refresh once (the first after the entries landed): a count that does not
          // depend on how many runs the mode makes, as the committed figures must not.
          runs: step > 0 ? 1 : runs,
          prepare: async () => {
            b.clock.advance(step);
          },
          action: async () => JSON.stringify(await b.cached.getChanges(since)),
        }),
      );
    }
  } finally {
    await b.drop();
  }

  log("  sweeps");
  for (const [id, instances, dead] of [
    ["sweep.idle", SIZES.fleetInstances, 0],
    ["sweep.dead", SIZES.sweepInstances, SIZES.sweepInstances * SIZES.deadShare],
  ] as const) {
    const s = await createBench(endpoint, 0);
    try {
      const groups = instances / 2;
      // Dead: whole groups (both members) first, then one slave each, a quarter of the dead each way.
      const deadGroups = Math.floor(dead / 4);
      await populate(
        s,
        groups,
        (g) => [`S-${g}-0`, `S-${g}-1`, `S-${g}-2`],
        (g, id) => g < deadGroups || (id === 1 && g < deadGroups + (dead - 2 * deadGroups)),
      );
      out.push(
        await figure(s, {
          id: `${id}.${instances}`,
          label: `sweep, ${instances} instances, ${dead === 0 ? "none dead (every 30 s)" : `${dead} dead`}`,
          runs: dead === 0 ? Math.max(2, Math.floor(runs / 20)) : 1,
          action: async () => {
            const report = await s.nameServer.sweep();
            if (report.expiredInstances !== dead)
              throw new Error(`sweep expired ${report.expiredInstances}, expected ${dead}`);
          },
        }),
      );
    } finally {
      await s.drop();
    }
  }
  return out;
}

function wireBytes(): Record<string, number> {
  const big = (n: number) => httpBody(broker(n)).length;
  const route = registration({ topicConfigTable: topics(1) });
  const lightBody = Buffer.byteLength(JSON.stringify({ ...route, topicConfigTable: undefined }));
  const sampleRoute: TopicRouteData = {
    queueDatas: Array.from({ length: SIZES.groupsPerTopic }, (_, g) => ({
      brokerName: `g-${g}`,
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: Array.from({ length: SIZES.groupsPerTopic }, (_, g) => ({
      cluster: "DefaultCluster",
      brokerName: `g-${g}`,
      brokerAddrs: { "0": `10.1.0.${2 * g}:10911`, "1": `10.1.0.${2 * g + 1}:10911` },
      enableActingMaster: false,
    })),
    filterServerTable: {},
  };
  const clientTopics = Array.from({ length: SIZES.clientTopics }, (_, i) => `ProducerTopic-${i}`);
  const routes = new Map(clientTopics.map((t) => [t, sampleRoute]));
  const etags = Object.fromEntries(clientTopics.map((t) => [t, etagOf(JSON.stringify(sampleRoute))]));
  const routeJson = Buffer.byteLength(JSON.stringify(sampleRoute));
  return {
    "http.register.1000": big(SIZES.brokerTopics),
    "http.register.10000": big(SIZES.largeBrokerTopics),
    "http.light": lightBody,
    "http.routes.20.request": Buffer.byteLength(JSON.stringify({ topics: clientTopics, known: etags })),
    "http.routes.20.unchanged": routesAnswerBody({ routes, missing: [] }, etags).length,
    "http.routes.20.changed": routesAnswerBody({ routes, missing: [] }).length,
    "http.route.1": routeJson,
    "remoting.register.1000": registerBrokerFrame(SIZES.brokerTopics).bytes,
    "remoting.register.10000": registerBrokerFrame(SIZES.largeBrokerTopics).bytes,
    "remoting.register.1000.compressed": registerBrokerFrame(SIZES.brokerTopics, 1, true).bytes,
    "remoting.route.request": encode(
      requestCommand(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "ProducerTopic-0" }),
    ).length,
    "remoting.route.response": encode({
      code: 0,
      language: "JAVA",
      version: 479,
      opaque: 1,
      flag: 1,
      extFields: {},
      body: Buffer.from(fastjsonRoute(sampleRoute)),
    }).length,
  };
}

export async function measure(
  endpoint: string,
  options: { runs: number; routeGroupCacheMs: number; log: (m: string) => void },
): Promise<Measured> {
  const { runs, routeGroupCacheMs: cacheMs, log } = options;
  log("per-operation figures");
  const ops = await operations(endpoint, runs, cacheMs, log);
  log("the remoting gateway over the counting registry API");
  const gw = await measureGateway(endpoint, cacheMs, log);
  return { operations: ops, bytes: wireBytes(), gateway: gw.figures, gatewayCpu: gw.cpu };
}
