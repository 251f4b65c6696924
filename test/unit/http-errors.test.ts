import { afterEach, describe, expect, it, vi } from "vitest";
import * as z from "zod";
import {
  FullRegistrationRequiredError,
  InvalidRequestError,
  QueryNotFoundError,
  ServiceUnavailableError,
  TopicNotExistError,
} from "../../lib/domain/errors";
import { registerBrokerSchema } from "../../lib/domain/model";
import { MethodNotAllowedError } from "../../lib/http/errors";
import { errorResponse } from "../../lib/http/responses";
import { parseWith } from "../../lib/http/validation";
import { logger } from "../../lib/observability";

const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? "null");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("errorResponse: the one mapping from errors to HTTP", () => {
  it("maps a NameServerError to its status, code, message and the error shape of API.md", () => {
    const response = errorResponse(new TopicNotExistError("TopicTest"));
    expect(response.statusCode).toBe(404);
    expect(response.headers["Content-Type"]).toMatch(/^application\/json/);
    expect(bodyOf(response)).toEqual({
      error: {
        code: "TOPIC_NOT_EXIST",
        message: "No topic route info in name server for the topic: TopicTest",
      },
    });
  });

  it.each([
    [new QueryNotFoundError("ns", "k"), 404, "QUERY_NOT_FOUND"],
    [new FullRegistrationRequiredError("send the whole table"), 409, "FULL_REGISTRATION_REQUIRED"],
    [new InvalidRequestError("bad"), 400, "INVALID_REQUEST"],
  ])("maps %s", (error, status, code) => {
    const response = errorResponse(error);
    expect(response.statusCode).toBe(status);
    expect(bodyOf(response).error.code).toBe(code);
  });

  it("carries details when there are some", () => {
    const response = errorResponse(new InvalidRequestError("Invalid x", [{ field: "x", message: "bad" }]));
    expect(bodyOf(response)).toEqual({
      error: { code: "INVALID_REQUEST", message: "Invalid x", details: [{ field: "x", message: "bad" }] },
    });
  });

  it("carries the error's headers: Allow on 405, Retry-After on 503", () => {
    const notAllowed = errorResponse(new MethodNotAllowedError("POST", "/topics", ["GET"]));
    expect(notAllowed.statusCode).toBe(405);
    expect(notAllowed.headers.Allow).toBe("GET");
    vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    const unavailable = errorResponse(new ServiceUnavailableError());
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.headers["Retry-After"]).toBe("1");
    expect(bodyOf(unavailable).error.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("turns anything else into a generic 500 whose details never leave the server, and logs it", () => {
    const logged = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const secret = new Error("connect ECONNREFUSED 10.1.2.3:8000 table namesrv-prod");
    const response = errorResponse(secret, { routeKey: "GET /clusters", requestId: "r-1" });
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ error: { code: "INTERNAL_ERROR", message: expect.any(String) } });
    expect(response.body).not.toContain("ECONNREFUSED");
    expect(response.body).not.toContain("namesrv-prod");
    expect(logged).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ error: secret, routeKey: "GET /clusters", requestId: "r-1" }),
    );
  });

  it("handles thrown non-errors (strings, undefined) as 500 too", () => {
    vi.spyOn(logger, "error").mockImplementation(() => undefined);
    expect(errorResponse("boom").statusCode).toBe(500);
    expect(errorResponse(undefined).statusCode).toBe(500);
  });
});

describe("parseWith: zod issues become details naming each field", () => {
  const registration = {
    clusterName: "DefaultCluster",
    brokerName: "broker-a",
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 },
    topicConfigTable: { TopicTest: { topicName: "TopicTest", perm: 9 } },
  };

  it("names a nested field with dots: topicConfigTable.TopicTest.perm", () => {
    try {
      parseWith(registerBrokerSchema, registration);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      const invalid = error as InvalidRequestError;
      expect(invalid.details).toEqual([
        { field: "topicConfigTable.TopicTest.perm", message: expect.any(String) },
      ]);
      expect(invalid.message).toContain("topicConfigTable.TopicTest.perm");
    }
  });

  it("lists every invalid field and names the first in the message", () => {
    try {
      parseWith(registerBrokerSchema, { ...registration, brokerId: -1, brokerAddr: "nope" });
      expect.unreachable();
    } catch (error) {
      const invalid = error as InvalidRequestError;
      const fields = invalid.details?.map((detail) => detail.field);
      expect(fields).toEqual(
        expect.arrayContaining(["brokerId", "brokerAddr", "topicConfigTable.TopicTest.perm"]),
      );
      expect(invalid.message).toContain(fields?.[0]);
      expect(invalid.message).toMatch(/and 2 more/);
    }
  });

  it("names the body itself when it is not an object", () => {
    try {
      parseWith(registerBrokerSchema, [1, 2]);
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidRequestError).details?.[0]?.field).toBe("body");
    }
  });

  it("caps the details of a huge invalid request", () => {
    const schema = z.array(z.number());
    try {
      parseWith(
        schema,
        Array.from({ length: 5000 }, () => "x"),
      );
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidRequestError).details?.length).toBe(100);
      expect((error as InvalidRequestError).message).toMatch(/and 4999 more/);
    }
  });
});

describe("missing fields", () => {
  it("are reported as required, naming the field", async () => {
    const { parseWith } = await import("../../lib/http/validation");
    const { unregisterBrokerSchema } = await import("../../lib/domain/model");
    try {
      parseWith(unregisterBrokerSchema, { clusterName: "c", brokerName: "b", brokerId: 0 });
      expect.unreachable();
    } catch (error) {
      expect((error as { details?: unknown }).details).toEqual([
        { field: "brokerAddr", message: "is required (string)" },
      ]);
    }
  });
});
