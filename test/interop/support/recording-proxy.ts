/**
 * A recording TCP proxy for remoting: put it between a real RocketMQ component and a NameServer
 * (RocketMQ's or this registry) and it forwards bytes untouched in both directions while cutting
 * each direction into whole frames (the int32 length prefix) and remembering them, decoded and raw.
 * The byte fixtures in test/fixtures/remoting/ are frames recorded this way.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { decodeFrame, encode, isResponse, type RemotingCommand } from "../../../lib/remoting/codec";

export interface RecordedFrame {
  /** "request" = from the proxy's client (broker, mqadmin, ...); "response" = from the NameServer. */
  direction: "request" | "response";
  /** Connection number (in accept order). */
  connection: number;
  /** The whole frame, length field included, as it crossed the wire. */
  bytes: Buffer;
  /** The decoded command; undefined if it did not decode (the proxy still forwards it). */
  command?: RemotingCommand;
  at: number;
}

export interface RecordingProxy {
  addr: string;
  port: number;
  frames: RecordedFrame[];
  /** The first request with this code, and the response with the same opaque on that connection. */
  exchange(
    code: number,
    where?: (request: RemotingCommand) => boolean,
  ): { request: RecordedFrame; response?: RecordedFrame } | undefined;
  /**
   * A barrier on one proxied connection: sends `request` to the NameServer on it, as if its client had,
   * and resolves with the answer. The NameServer writes answers on a connection in order, so whatever
   * it had written there before it read the probe has crossed the proxy (and is in `frames`) by then.
   * The client also receives the answer, with an opaque it never used, and drops it as RocketMQ drops a
   * response it does not wait for.
   */
  probe(connection: number, request: RemotingCommand, timeoutMs?: number): Promise<RecordedFrame>;
  /** Closes the listener and every proxied connection. */
  close(): Promise<void>;
}

/** Opaques of probes: far above any a RocketMQ client counts up to in a test. */
const PROBE_OPAQUE_BASE = 2_000_000_000;

class FrameSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Buffer[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readInt32BE(0);
      if (length < 0 || length > 16 * 1024 * 1024) {
        this.buffer = Buffer.alloc(0);
        break;
      }
      if (this.buffer.length < 4 + length) break;
      frames.push(Buffer.from(this.buffer.subarray(0, 4 + length)));
      this.buffer = this.buffer.subarray(4 + length);
    }
    return frames;
  }
}

export async function startRecordingProxy(target: string, listenPort = 0): Promise<RecordingProxy> {
  const [targetHost, targetPort] = target.split(":") as [string, string];
  const frames: RecordedFrame[] = [];
  const sockets = new Set<Socket>();
  const upstreams = new Map<number, Socket>();
  let connections = 0;
  let probes = 0;

  const record = (direction: RecordedFrame["direction"], connection: number, bytes: Buffer) => {
    let command: RemotingCommand | undefined;
    try {
      command = decodeFrame(bytes.subarray(4)).command;
    } catch {
      command = undefined;
    }
    frames.push({
      direction,
      connection,
      bytes,
      ...(command === undefined ? {} : { command }),
      at: Date.now(),
    });
  };

  const server: Server = createServer((client) => {
    const connection = ++connections;
    const upstream = connect({ host: targetHost, port: Number(targetPort) });
    sockets.add(client);
    sockets.add(upstream);
    upstreams.set(connection, upstream);
    const fromClient = new FrameSplitter();
    const fromServer = new FrameSplitter();
    client.on("data", (chunk) => {
      for (const frame of fromClient.push(chunk)) record("request", connection, frame);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      for (const frame of fromServer.push(chunk)) record("response", connection, frame);
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      upstreams.delete(connection);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolveListen) => server.listen(listenPort, "127.0.0.1", resolveListen));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : listenPort;

  return {
    addr: `127.0.0.1:${port}`,
    port,
    frames,
    exchange(code, where = () => true) {
      const request = frames.find(
        (f) =>
          f.direction === "request" &&
          f.command !== undefined &&
          !isResponse(f.command) &&
          f.command.code === code &&
          where(f.command),
      );
      if (request?.command === undefined) return undefined;
      const opaque = request.command.opaque;
      const response = frames.find(
        (f) =>
          f.direction === "response" &&
          f.connection === request.connection &&
          f.command !== undefined &&
          isResponse(f.command) &&
          f.command.opaque === opaque,
      );
      return { request, ...(response === undefined ? {} : { response }) };
    },
    probe(connection, request, timeoutMs = 30_000) {
      const upstream = upstreams.get(connection);
      if (upstream === undefined) return Promise.reject(new Error(`no open connection ${connection}`));
      const opaque = PROBE_OPAQUE_BASE + ++probes;
      const answer = () =>
        frames.find(
          (f) =>
            f.direction === "response" &&
            f.connection === connection &&
            f.command !== undefined &&
            isResponse(f.command) &&
            f.command.opaque === opaque,
        );
      // Listeners run in order: this one after the proxy's own has recorded the frames of a chunk.
      return new Promise((resolveProbe, rejectProbe) => {
        const settle = (outcome: () => void) => {
          clearTimeout(timer);
          upstream.off("data", onData);
          upstream.off("close", onClose);
          outcome();
        };
        const onData = () => {
          const found = answer();
          if (found !== undefined) settle(() => resolveProbe(found));
        };
        const onClose = () => settle(() => rejectProbe(new Error(`connection ${connection} closed`)));
        const timer = setTimeout(
          () => settle(() => rejectProbe(new Error(`no answer to the probe on connection ${connection}`))),
          timeoutMs,
        );
        upstream.on("data", onData);
        upstream.on("close", onClose);
        upstream.write(encode({ ...request, opaque }));
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
