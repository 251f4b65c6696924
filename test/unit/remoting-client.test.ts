import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { encode, FrameDecoder, type RemotingCommand } from "../../lib/remoting/codec";
import { SerializeType } from "../../lib/remoting/protocol";
import {
  parseAddress,
  RemotingClient,
  RemotingConnectError,
  RemotingTimeoutError,
} from "../../lib/remoting/remoting-client";

/** A scripted peer: collects requests; `answer` decides what goes back on the socket. */
async function peer(answer: (requests: RemotingCommand[], socket: Socket) => void) {
  const received: RemotingCommand[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder();
    socket.on("data", (chunk) => {
      const batch = decoder.push(chunk);
      received.push(...batch);
      if (batch.length > 0) answer(batch, socket);
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    addr: `127.0.0.1:${port}`,
    received,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function responseTo(request: RemotingCommand, code = 0): RemotingCommand {
  return {
    code,
    language: "JAVA",
    version: 479,
    opaque: request.opaque,
    flag: 1,
    extFields: { echo: request.extFields.topic ?? "" },
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("RemotingClient", () => {
  it("matches responses by opaque when they come back in reverse order, in one chunk", async () => {
    const held: RemotingCommand[] = [];
    const server = await peer((batch, socket) => {
      held.push(...batch);
      if (held.length === 3) socket.write(Buffer.concat(held.reverse().map((r) => encode(responseTo(r)))));
    });
    cleanups.push(server.close);
    const client = new RemotingClient(server.addr, { firstOpaque: -1 });
    cleanups.push(() => client.close());
    const answers = await Promise.all(["a", "b", "c"].map((topic) => client.invoke(105, { topic })));
    expect(answers.map((a) => a.extFields.echo)).toEqual(["a", "b", "c"]);
    expect(server.received.map((r) => r.opaque)).toEqual([-1, 0, 1]);
    expect(server.received[0]).toMatchObject({ code: 105, version: 479, language: "JAVA", flag: 0 });
    expect(client.pendingRequests).toBe(0);
  });

  it("sends oneway requests with flag 2 and resolves without an answer", async () => {
    const server = await peer(() => {});
    cleanups.push(server.close);
    const client = new RemotingClient(server.addr, { serializeType: SerializeType.ROCKETMQ });
    cleanups.push(() => client.close());
    await client.invokeOneway(904, { brokerName: "b" }, Buffer.from("x"));
    await expect.poll(() => server.received.length).toBe(1);
    expect(server.received[0]).toMatchObject({ code: 904, flag: 2, body: Buffer.from("x") });
  });

  it("times out a request that gets no answer, and ignores the late answer", async () => {
    let late: (() => void) | undefined;
    const server = await peer((batch, socket) => {
      late = () => socket.write(encode(responseTo(batch[0] as RemotingCommand)));
    });
    cleanups.push(server.close);
    const client = new RemotingClient(server.addr);
    cleanups.push(() => client.close());
    await expect(client.invoke(105, { topic: "t" }, undefined, 50)).rejects.toBeInstanceOf(
      RemotingTimeoutError,
    );
    late?.();
    expect(client.pendingRequests).toBe(0);
  });

  it("rejects pending requests when the connection closes, and reconnects for the next one", async () => {
    let first = true;
    const server = await peer((batch, socket) => {
      if (first) {
        first = false;
        socket.destroy();
        return;
      }
      for (const r of batch) socket.write(encode(responseTo(r)));
    });
    cleanups.push(server.close);
    const client = new RemotingClient(server.addr);
    cleanups.push(() => client.close());
    await expect(client.invoke(105, { topic: "t" })).rejects.toBeInstanceOf(RemotingConnectError);
    const answer = await client.invoke(105, { topic: "again" });
    expect(answer.extFields.echo).toBe("again");
  });

  it("fails fast when nothing listens", async () => {
    const server = await peer(() => {});
    const addr = server.addr;
    await server.close();
    const client = new RemotingClient(addr);
    await expect(client.invoke(105, {})).rejects.toBeInstanceOf(RemotingConnectError);
    client.close();
  });

  it("parses host:port addresses, IPv6 in brackets", () => {
    expect(parseAddress("127.0.0.1:9876")).toEqual({ host: "127.0.0.1", port: 9876 });
    expect(parseAddress("[::1]:9876")).toEqual({ host: "::1", port: 9876 });
    expect(() => parseAddress("http://x")).toThrow();
    expect(() => parseAddress("h:0")).toThrow();
  });
});

describe("namesrv gateway options", () => {
  it("signs with the default AWS chain in front of an execute-api URL, else as told", async () => {
    const { defaultAuth, parseListen } = await import("../../lib/gateway/run-gateway");
    const api = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod";
    expect(defaultAuth({ kind: "none" }, api)).toEqual({ kind: "sigv4" });
    expect(defaultAuth({ kind: "none" }, "http://127.0.0.1:9877")).toEqual({ kind: "none" });
    expect(defaultAuth({ kind: "bearer", token: "t" }, api)).toEqual({ kind: "bearer", token: "t" });
    expect(parseListen("0.0.0.0:9876")).toEqual({ host: "0.0.0.0", port: 9876 });
    expect(parseListen(":9876")).toEqual({ host: "127.0.0.1", port: 9876 });
    expect(parseListen("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(() => parseListen("nope")).toThrow();
  });
});
