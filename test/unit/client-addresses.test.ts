/**
 * The library checks its NameServer addresses when it is constructed (README "6. The same from
 * TypeScript"): a `host:port` (RocketMQ's remoting address) or anything that is not an http(s) URL is
 * refused at once with NameServerAddressError and what to do, not later as "Invalid URL" or a TypeError.
 */
import { describe, expect, it } from "vitest";
import {
  BrokerAgent,
  NameServerAddressError,
  NameServerClient,
  RouteClient,
  Transport,
} from "../../lib/client";

const broker = { clusterName: "C", brokerName: "broker-a", brokerId: 0, brokerAddr: "127.0.0.1:10911" };
const topicState = () => ({ topicConfigTable: {}, dataVersion: { timestamp: 1, counter: 1 } });

function thrown(construct: () => unknown): unknown {
  try {
    construct();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("NameServer addresses", () => {
  it("refuses host:port with the HTTP hint, in the agent, the route client and the typed client", () => {
    for (const construct of [
      () => new BrokerAgent({ broker, nameServers: ["127.0.0.1:9876"], topicState }),
      () => new RouteClient({ nameServers: ["http://127.0.0.1:9877", "127.0.0.1:9876"] }),
      () => new NameServerClient("127.0.0.1:9876", new Transport()),
    ]) {
      const error = thrown(construct);
      expect(error).toBeInstanceOf(NameServerAddressError);
      expect((error as NameServerAddressError).address).toBe("127.0.0.1:9876");
      expect((error as Error).message).toMatch(
        /"127\.0\.0\.1:9876" is host:port.*this client speaks HTTP: give an http\(s\):\/\/ URL.*or use namesrv gateway/,
      );
    }
  });

  it("refuses what is not an http(s) URL and an empty list, naming the option", () => {
    expect(thrown(() => new RouteClient({ nameServers: ["not a url"] }))).toBeInstanceOf(
      NameServerAddressError,
    );
    expect((thrown(() => new RouteClient({ nameServers: ["ftp://h/"] })) as Error).message).toMatch(
      /^nameServers\[0\]: "ftp:\/\/h\/" is not an http\(s\):\/\/ URL/,
    );
    expect((thrown(() => new BrokerAgent({ broker, nameServers: [], topicState })) as Error).message).toBe(
      "nameServers: at least one NameServer URL is needed",
    );
  });

  it("takes http and https URLs", () => {
    expect(
      () => new RouteClient({ nameServers: ["http://127.0.0.1:9877", "https://x.example.com/"] }),
    ).not.toThrow();
  });
});

describe("BrokerAgent.start()", () => {
  it("says whether the first registration succeeded", async () => {
    // Nothing listens on port 1 of loopback: the registration fails fast.
    const agent = new BrokerAgent({
      broker,
      nameServers: ["http://127.0.0.1:1"],
      topicState,
      transport: { timeoutMillis: 2000 },
    });
    const result = await agent.start();
    await agent.stop({ unregister: false });

    expect(result.registered).toBe(false);
    expect(result.registeredWithAll).toBe(false);
    expect(result.nameServers).toEqual([
      expect.objectContaining({ nameServer: "http://127.0.0.1:1", consecutiveFailures: 1 }),
    ]);
  });
});
