import { describe, expect, it } from "vitest";
import { TtlCache } from "../../lib/app/ttl-cache";
import {
  configFromStored,
  configView,
  DEFAULT_NAMESRV_CONFIG,
  parseConfigUpdate,
} from "../../lib/domain/config";
import { InvalidRequestError } from "../../lib/domain/errors";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";

const deployment = {
  selfPreservation: { ...DEFAULT_SELF_PRESERVATION, expiryRatio: 0.5, minExpired: 5 },
  routeGroupCacheMs: 5000,
  configCacheMs: 3000,
};

describe("NameServer settings (NamesrvConfig)", () => {
  it("defaults to RocketMQ's, except orderMessageEnable, which API.md fixes on", () => {
    expect(DEFAULT_NAMESRV_CONFIG).toEqual({
      orderMessageEnable: true,
      returnOrderTopicConfigToBroker: true,
      enableAllTopicList: true,
      enableTopicList: true,
      deleteTopicWithBrokerRegistration: false,
      supportActingMaster: false,
    });
  });

  it("takes 'true'/'false' as strings or booleans", () => {
    expect(parseConfigUpdate({ enableTopicList: "false", supportActingMaster: true })).toEqual({
      enableTopicList: false,
      supportActingMaster: true,
    });
  });

  it("refuses unknown names, read-only names and bad values, each named", () => {
    let error: unknown;
    try {
      parseConfigUpdate({
        bogus: "true",
        routeGroupCacheMillis: "1",
        enableTopicList: "maybe",
        orderMessageEnable: 1,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).details?.map((d) => d.field)).toEqual([
      "config.bogus",
      "config.routeGroupCacheMillis",
      "config.enableTopicList",
      "config.orderMessageEnable",
    ]);
  });

  it("reads what the table holds, ignoring anything unknown or malformed", () => {
    expect(
      configFromStored({
        enableAllTopicList: false,
        supportActingMaster: "true",
        junk: 1,
        enableTopicList: 7,
      }),
    ).toEqual({
      ...DEFAULT_NAMESRV_CONFIG,
      enableAllTopicList: false,
      supportActingMaster: true,
    });
  });

  it("shows every setting as a string, the deployment's read-only", () => {
    const view = configView(DEFAULT_NAMESRV_CONFIG, deployment);
    expect(view.deleteTopicWithBrokerRegistration).toBe("false");
    expect(view.selfPreservationExpiryRatio).toBe("0.5");
    expect(view.configCacheMillis).toBe("3000");
    expect(view.defaultHeartbeatTimeoutMillis).toBe("120000");
  });
});

describe("TtlCache", () => {
  it("reuses a value for its age, then reads again; concurrent misses share one read", async () => {
    let time = 0;
    let reads = 0;
    const cache = new TtlCache(
      3000,
      () => time,
      async () => ++reads,
    );
    expect(await Promise.all([cache.get(), cache.get()])).toEqual([1, 1]);
    time = 2999;
    expect(await cache.get()).toBe(1);
    time = 3000;
    expect(await cache.get()).toBe(2);
    cache.invalidate();
    expect(await cache.get()).toBe(3);
    expect(reads).toBe(3);
  });

  it("with no age reads every time", async () => {
    let reads = 0;
    const cache = new TtlCache(
      0,
      () => 0,
      async () => ++reads,
    );
    await cache.get();
    await cache.get();
    expect(reads).toBe(2);
  });
});
