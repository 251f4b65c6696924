/**
 * The CLI's remoting adapter against a fake connection: what it sends for each admin command (request
 * code and header fields, as mqadmin sends them) and how it reads RocketMQ's answers (fastjson bodies
 * with bare integer keys, Properties text, extFields counts, response codes as the HTTP client's errors).
 */
import { describe, expect, it } from "vitest";
import { NameServerRequestError, NameServerUnreachableError } from "../../lib/client/transport";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { RemotingConnectError, RemotingTimeoutError } from "../../lib/remoting/remoting-client";
import {
  RemotingAdminEndpoint,
  type RemotingAnswer,
  type RemotingInvoker,
} from "../../lib/tools/remoting-endpoint";

function endpoint(
  answer: (code: number, ext: Record<string, string>, body?: Buffer) => RemotingAnswer | Error,
) {
  const sent: Array<{ code: number; ext: Record<string, string>; body?: string }> = [];
  let closed = false;
  const invoker: RemotingInvoker = {
    async invoke(code, ext, body) {
      sent.push({ code, ext, ...(body === undefined ? {} : { body: body.toString("utf8") }) });
      const result = answer(code, ext, body);
      if (result instanceof Error) throw result;
      return result;
    },
    close() {
      closed = true;
    },
  };
  const admin = new RemotingAdminEndpoint("10.0.0.1:9876", () => invoker, 3000);
  return { admin, sent, closed: () => closed };
}

const ok = (body?: string, extFields?: Record<string, string>): RemotingAnswer => ({
  code: ResponseCode.SUCCESS,
  ...(body === undefined ? {} : { body: Buffer.from(body) }),
  ...(extFields === undefined ? {} : { extFields }),
});

describe("namesrv -n host:port", () => {
  it("reads routes and cluster info as fastjson writes them (bare integer keys)", async () => {
    const { admin, sent } = endpoint((code) =>
      code === RequestCode.GET_ROUTEINFO_BY_TOPIC
        ? ok(
            '{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"C"}],' +
              '"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8}]}',
          )
        : ok(
            '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C"}},"clusterAddrTable":{"C":["broker-a"]}}',
          ),
    );

    const route = await admin.route("TopicTest", "az-1");
    const info = await admin.clusterInfo();

    expect(route.brokerDatas[0]).toEqual({
      brokerName: "broker-a",
      cluster: "C",
      brokerAddrs: { "0": "10.0.0.1:10911", "1": "10.0.0.2:10911" },
      enableActingMaster: false,
    });
    expect(info.brokerAddrTable["broker-a"]?.brokerAddrs).toEqual({ "0": "10.0.0.1:10911" });
    expect(sent[0]).toEqual({
      code: RequestCode.GET_ROUTEINFO_BY_TOPIC,
      ext: { topic: "TopicTest", __ZONE_NAME: "az-1", __ZONE_MODE: "true" },
    });
    expect(sent[1]?.code).toBe(RequestCode.GET_BROKER_CLUSTER_INFO);
  });

  it("sends the header fields mqadmin sends, and reads counts and values from the answer's fields", async () => {
    const { admin, sent } = endpoint((code) => {
      if (code === RequestCode.WIPE_WRITE_PERM_OF_BROKER) return ok(undefined, { wipeTopicCount: "3" });
      if (code === RequestCode.ADD_WRITE_PERM_OF_BROKER) return ok(undefined, { addTopicCount: "2" });
      if (code === RequestCode.GET_KV_CONFIG) return ok(undefined, { value: "broker-a:4" });
      if (code === RequestCode.GET_NAMESRV_CONFIG)
        return ok("orderMessageEnable=false\nrocketmqHome=/opt/rocketmq\n");
      return ok();
    });

    expect(await admin.setWritePerm("broker-a", false)).toBe(3);
    expect(await admin.setWritePerm("broker-a", true)).toBe(2);
    expect(await admin.getKv("ORDER_TOPIC_CONFIG", "T")).toBe("broker-a:4");
    await admin.deleteTopic("T", "C");
    await admin.putKv("NS", "k", "v");
    await admin.updateConfig({ orderMessageEnable: "true" });
    expect(await admin.getConfig()).toEqual({ orderMessageEnable: "false", rocketmqHome: "/opt/rocketmq" });

    expect(sent.map((s) => [s.code, s.ext])).toEqual([
      [RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "broker-a" }],
      [RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: "broker-a" }],
      [RequestCode.GET_KV_CONFIG, { namespace: "ORDER_TOPIC_CONFIG", key: "T" }],
      [RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: "T", clusterName: "C" }],
      [RequestCode.PUT_KV_CONFIG, { namespace: "NS", key: "k", value: "v" }],
      [RequestCode.UPDATE_NAMESRV_CONFIG, {}],
      [RequestCode.GET_NAMESRV_CONFIG, {}],
    ]);
    expect(sent[5]?.body).toMatch(/^orderMessageEnable=true\n?$/);
  });

  it("turns RocketMQ's response codes into the errors the commands already explain", async () => {
    const { admin } = endpoint(() => ({
      code: ResponseCode.TOPIC_NOT_EXIST,
      remark:
        "No topic route info in name server for the topic: T\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.",
    }));

    const error = await admin.route("T").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NameServerRequestError);
    expect(error).toMatchObject({
      url: "10.0.0.1:9876",
      status: 404,
      code: "TOPIC_NOT_EXIST",
      message: "No topic route info in name server for the topic: T",
    });
  });

  it("reports an unreachable or silent NameServer as such, and closes its connection", async () => {
    const down = endpoint(() => new RemotingConnectError("connect ECONNREFUSED 10.0.0.1:9876"));
    const slow = endpoint(() => new RemotingTimeoutError("no answer"));

    await expect(down.admin.topicList()).rejects.toMatchObject({ reason: "network" });
    await expect(slow.admin.topicList()).rejects.toBeInstanceOf(NameServerUnreachableError);
    await expect(slow.admin.topicList()).rejects.toMatchObject({ reason: "timeout" });
    down.admin.close();
    expect(down.closed()).toBe(true);
  });
});
