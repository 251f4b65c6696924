import { describe, expect, it } from "vitest";
import { HeaderError } from "../../lib/remoting/headers";
import { MQVersion } from "../../lib/remoting/protocol";
import { decodeRegisterBrokerBody, RegisterBodyError } from "../../lib/remoting/register-broker-body";
import {
  decodeDeleteTopicFromNamesrvHeader,
  decodeGetRouteInfoHeader,
  decodePutKvConfigHeader,
  decodeRegisterBrokerHeader,
} from "../../lib/remoting/request-headers";

const broker = { brokerName: "broker-a", brokerAddr: "10.0.0.1:10911", clusterName: "C", brokerId: "0" };

describe("typed request headers: one decoder per NameServer request header", () => {
  it("RegisterBrokerRequestHeader: the broker, its HA address and the optional fields, typed", () => {
    const header = decodeRegisterBrokerHeader({
      ...broker,
      haServerAddr: "10.0.0.1:10912",
      heartbeatTimeoutMillis: "60000",
      enableActingMaster: "TRUE",
      bodyCrc32: "-12",
      compressed: "false",
      __ZONE_NAME: "az-1",
    });
    expect(header).toEqual({
      brokerName: "broker-a",
      brokerAddr: "10.0.0.1:10911",
      clusterName: "C",
      brokerId: 0,
      haServerAddr: "10.0.0.1:10912",
      heartbeatTimeoutMillis: 60000,
      enableActingMaster: true,
      bodyCrc32: -12,
      compressed: false,
      zoneName: "az-1",
    });
  });

  it("a missing @CFNotNull field or an unparsable long is a HeaderError in RocketMQ's words", () => {
    expect(() => decodeRegisterBrokerHeader(broker)).toThrow(
      new HeaderError("the custom field <haServerAddr> is null"),
    );
    expect(() => decodeRegisterBrokerHeader({ ...broker, brokerId: "x", haServerAddr: "" })).toThrow(
      /<brokerId> is not a Long/,
    );
  });

  it("PUT_KV_CONFIG without namespace or key is undefined (its own remark), before the value is read", () => {
    expect(decodePutKvConfigHeader({ key: "k" })).toBeUndefined();
    expect(decodePutKvConfigHeader({ namespace: "", key: "k", value: "v" })).toBeUndefined();
    expect(() => decodePutKvConfigHeader({ namespace: "ns", key: "k" })).toThrow(HeaderError);
    expect(decodePutKvConfigHeader({ namespace: "ns", key: "k", value: "" })).toEqual({
      namespace: "ns",
      key: "k",
      value: "",
    });
  });

  it("GET_ROUTEINFO_BY_TOPIC filters by zone only when __ZONE_MODE is true and a zone is named", () => {
    expect(decodeGetRouteInfoHeader({ topic: "T", __ZONE_NAME: "az-1" })).toEqual({ topic: "T" });
    expect(decodeGetRouteInfoHeader({ topic: "T", __ZONE_NAME: "az-1", __ZONE_MODE: "true" })).toEqual({
      topic: "T",
      zone: "az-1",
    });
    expect(decodeGetRouteInfoHeader({ topic: "T", acceptStandardJsonOnly: "true" })).toEqual({
      topic: "T",
      acceptStandardJsonOnly: true,
    });
    expect(() => decodeGetRouteInfoHeader({})).toThrow("the custom field <topic> is null");
  });

  it("DELETE_TOPIC_IN_NAMESRV: an empty clusterName is no cluster", () => {
    expect(decodeDeleteTopicFromNamesrvHeader({ topic: "T", clusterName: "" })).toEqual({ topic: "T" });
    expect(decodeDeleteTopicFromNamesrvHeader({ topic: "T", clusterName: "C" })).toEqual({
      topic: "T",
      clusterName: "C",
    });
  });
});

describe("REGISTER_BROKER's body, typed", () => {
  it("a DataVersion field that is not a number is refused by the decoder, naming it", () => {
    const body = Buffer.from(
      '{"topicConfigSerializeWrapper":{"dataVersion":{"counter":"a","timestamp":1},"topicConfigTable":{}}}',
    );
    expect(() => decodeRegisterBrokerBody(body, false, MQVersion.V5_3_3)).toThrow(
      new RegisterBodyError("dataVersion.counter is not a number"),
    );
  });

  it("missing DataVersion fields are 0, as before", () => {
    const body = Buffer.from(
      '{"topicConfigSerializeWrapper":{"dataVersion":{"counter":2,"timestamp":5,"stateVersion":null}}}',
    );
    expect(decodeRegisterBrokerBody(body, false, MQVersion.V5_3_3).dataVersion).toEqual({
      counter: 2,
      stateVersion: 0,
      timestamp: 5,
    });
  });
});
