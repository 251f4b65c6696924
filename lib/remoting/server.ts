/**
 * The remoting TCP server (`NettyRemotingServer` + `NettyRemotingAbstract#processRequestCommand`):
 * frames in, a processor per request code, responses out carrying the request's opaque. Requests
 * on one connection run concurrently and answer in whatever order they finish, as RocketMQ's
 * executor pools do; oneway requests are processed and get no answer. A frame that cannot be
 * decoded closes that connection only, with one log line, as `NettyDecoder` does.
 *
 * TLS (`tls`, RocketMQ's `tls.server.mode`): in `permissive` mode one port takes both TLS and
 * plaintext, told apart by a connection's first byte (0x16 opens a TLS handshake record, and never a
 * remoting frame of a sane size); in `enforcing` mode a plaintext connection is closed. Either way
 * the decrypted stream goes through the same frame decoding, budget, counting and drain.
 */
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import { encode, FrameDecoder, isOneway, isResponse, type RemotingCommand } from "./codec";
import { FrameBudget, type FrameBudgetLimits } from "./frame-budget";
import type { ConnectionContext, ErrorReply, Processor, Reply } from "./processor";
import { MQVersion, ResponseCode, RPC_TYPE_RESPONSE, SerializeType } from "./protocol";

export interface RemotingConnection extends ConnectionContext {
  readonly id: number;
  readonly socket: Socket;
}

export interface RemotingServerOptions {
  host?: string;
  port: number;
  processors: ReadonlyMap<number, Processor>;
  /** The reply for what a processor threw; SYSTEM_ERROR with the error's text by default. */
  replyForError?: ErrorReply;
  /** The connection's context for processors; a plain one (no broker tracking) by default. */
  connectionContext?: (socket: Socket, id: number) => ConnectionContext;
  onConnectionClosed?: (connection: ConnectionContext) => void;
  /** Header type of responses (`rocketmq.serialize.type`); JSON by default, as RocketMQ's. */
  serializeType?: SerializeType;
  /** `version` of responses: NamesrvStartup sets `rocketmq.remoting.version` to its own (V5_3_3). */
  version?: number;
  /**
   * Requests processed at once over all connections (RocketMQ's executor threads), and how many more
   * may wait (its queue): beyond both, SYSTEM_BUSY `[OVERLOAD]…`, as a rejected execution in RocketMQ.
   */
  maxInFlight?: number;
  maxQueued?: number;
  /** A connection with no traffic for this long is closed (`serverChannelMaxIdleTimeSeconds`, 120 s). */
  idleTimeoutMs?: number;
  /** The budget of unfinished frames over all connections (frame-budget.ts); defaults there. */
  frameBudget?: Partial<FrameBudgetLimits>;
  /** The budget's clock (tests). */
  now?: () => number;
  /**
   * Accept TLS (RocketMQ's `tls.server.mode`): `permissive` takes TLS and plaintext on the same port,
   * `enforcing` TLS only. PEM certificate (chain) and private key. None: plaintext only (the default).
   */
  tls?: RemotingTlsOptions;
  log?: (line: string) => void;
}

/** RocketMQ's `tls.server.mode` values that turn TLS on (`disabled` is leaving `tls` out). */
export type RemotingTlsMode = "permissive" | "enforcing";

export interface RemotingTlsOptions {
  mode: RemotingTlsMode;
  /** PEM certificate, with its chain if any (`tls.server.certPath`). */
  cert: Buffer;
  /** PEM private key, unencrypted (`tls.server.keyPath`). */
  key: Buffer;
}

/** The first byte of a TLS connection: a handshake record (content type 22). */
const TLS_HANDSHAKE_RECORD = 0x16;

export const OVERLOAD_REMARK = "[OVERLOAD]system busy, start flow control for a while";

/** A counting semaphore with a bounded queue: `acquire` is false when both are full. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(
    private readonly max: number,
    private readonly maxQueued: number,
  ) {}

  acquire(): Promise<void> | false {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) return false;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}

/** What the server counted since it started (the gateway logs the differences once a minute). */
export interface RemotingServerStats {
  /** Requests received (responses to this server's own requests excluded). */
  requests: number;
  /** Requests by request code. */
  requestsByCode: Map<number, number>;
  /** Answers by response code (oneway requests get none). */
  responsesByCode: Map<number, number>;
  /** SYSTEM_BUSY `[OVERLOAD]`: refused beyond the in-flight and queue limits. */
  overloadRejections: number;
  /** GO_AWAY answers while shutting down. */
  goAway: number;
  connectionsOpened: number;
  connectionsClosed: number;
}

export interface RemotingServer {
  readonly port: number;
  readonly connectionCount: number;
  /** Bytes of unfinished frames held over all connections (never above the budget's maxPendingBytes). */
  readonly pendingFrameBytes: number;
  /** Connections holding an unfinished frame. */
  readonly framesInProgress: number;
  /** Requests being processed now. */
  readonly inFlight: number;
  readonly stats: RemotingServerStats;
  /** Whether shutdown() has begun. */
  readonly shuttingDown: boolean;
  /**
   * Graceful shutdown (`NettyRemotingServer#shutdown` with `enableShutdownGracefully`): stop accepting
   * connections; from now on answer GO_AWAY (1500) to requests of clients newer than V5_3_1 (they
   * reconnect, through a load balancer to another server) and keep serving older ones; resolve once
   * every connection has gone and nothing is in flight, or at `drainMs`, closing what is left.
   * Connections that close meanwhile are not brokers going away (no onConnectionClosed).
   */
  shutdown(drainMs: number): Promise<void>;
  /** Closes every connection at once (no drain). */
  close(): Promise<void>;
}

/** RocketMQ's remark on GO_AWAY (`NettyRemotingAbstract#processRequestCommand`). */
export const GO_AWAY_REMARK = "please go away";

function remoteOf(socket: Socket): string {
  return socket.remoteAddress === undefined ? "unknown" : `${socket.remoteAddress}:${socket.remotePort}`;
}

export function toResponse(request: RemotingCommand, reply: Reply, version: number): RemotingCommand {
  const response: RemotingCommand = {
    code: reply.code,
    language: "JAVA",
    version,
    opaque: request.opaque,
    flag: RPC_TYPE_RESPONSE,
    extFields: reply.extFields ?? {},
  };
  if (reply.remark !== undefined) response.remark = reply.remark;
  if (reply.body !== undefined && reply.body.length > 0) response.body = reply.body;
  return response;
}

/** RocketMQ's answer to an unexpected exception: SYSTEM_ERROR with `UtilAll.exceptionSimpleDesc(e)`. */
export const defaultReplyForError: ErrorReply = (error) => ({
  code: ResponseCode.SYSTEM_ERROR,
  remark: String(error),
});

/** Answers one request: the processor of its code, or REQUEST_CODE_NOT_SUPPORTED; never throws. */
export async function dispatch(
  processors: ReadonlyMap<number, Processor>,
  request: RemotingCommand,
  connection: ConnectionContext,
  replyForError: ErrorReply = defaultReplyForError,
): Promise<Reply> {
  const processor = processors.get(request.code);
  if (processor === undefined) {
    return {
      code: ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
      remark: ` request type ${request.code} not supported`,
    };
  }
  try {
    return await processor(request, connection);
  } catch (error) {
    return replyForError(error);
  }
}

export async function startRemotingServer(options: RemotingServerOptions): Promise<RemotingServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const serializeType = options.serializeType ?? SerializeType.JSON;
  const version = options.version ?? MQVersion.V5_3_3;
  const replyForError = options.replyForError ?? defaultReplyForError;
  const sockets = new Set<Socket>();
  const limiter = new Limiter(options.maxInFlight ?? 512, options.maxQueued ?? 10_000);
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  let nextId = 1;
  // Connections closed by the gateway's own shutdown are not brokers going away.
  let closing = false;
  const budget = new FrameBudget<Socket>(options.frameBudget, options.now);
  const cutOff = (socket: Socket, reason: string) => {
    log(`remoting: connection from ${remoteOf(socket)} closed: ${reason}`);
    socket.destroy();
  };
  // Slow senders: checked a few times per frame timeout, whatever the connections send meanwhile.
  const slowSenderCheck = setInterval(
    () => {
      for (const { key, reason } of budget.expired()) cutOff(key, reason);
    },
    Math.max(10, Math.min(1000, budget.limits.frameTimeoutMs / 4)),
  );
  slowSenderCheck.unref();
  let shuttingDown = false;
  let inFlight = 0;
  const stats: RemotingServerStats = {
    requests: 0,
    requestsByCode: new Map(),
    responsesByCode: new Map(),
    overloadRejections: 0,
    goAway: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
  };
  const increment = (counts: Map<number, number>, code: number) =>
    counts.set(code, (counts.get(code) ?? 0) + 1);

  const plainContext = (socket: Socket): ConnectionContext => ({
    remoteAddress: remoteOf(socket),
    brokerRegistered() {},
    brokerUnregistered() {},
  });

  let secureContext: SecureContext | undefined;
  if (options.tls !== undefined) {
    try {
      secureContext = createSecureContext({ cert: options.tls.cert, key: options.tls.key });
    } catch (error) {
      throw new Error(`TLS certificate and key not usable: ${(error as Error).message}`);
    }
  }
  // With TLS: connections that have not sent their first byte yet (TLS or plaintext is not known).
  const undecided = new Set<Socket>();

  const accept = (raw: Socket) => {
    raw.setNoDelay(true);
    raw.setKeepAlive(true, 30_000);
    const tlsOptions = options.tls;
    if (tlsOptions === undefined || secureContext === undefined) {
      serve(raw);
      return;
    }
    const remote = remoteOf(raw);
    undecided.add(raw);
    if (idleTimeoutMs > 0) raw.setTimeout(idleTimeoutMs, () => raw.destroy());
    const forget = () => undecided.delete(raw);
    raw.once("close", forget);
    raw.on("error", () => {});
    raw.once("data", (first: Buffer) => {
      // Hand the byte(s) back: the TLS layer or the frame decoder reads them again.
      raw.pause();
      raw.unshift(first);
      undecided.delete(raw);
      raw.removeListener("close", forget);
      raw.setTimeout(0);
      if (first[0] === TLS_HANDSHAKE_RECORD) {
        const secure = new TLSSocket(raw, { isServer: true, secureContext });
        let established = false;
        secure.once("secure", () => {
          established = true;
        });
        secure.on("error", (error) => {
          if (established) return;
          log(`remoting: TLS handshake with ${remote} failed: ${error.message}`);
        });
        serve(secure);
      } else if (tlsOptions.mode === "permissive") {
        serve(raw);
      } else {
        log(`remoting: plaintext connection from ${remote} closed: TLS is enforced (tls mode enforcing)`);
        raw.destroy();
      }
    });
  };

  const serve = (socket: Socket) => {
    const id = nextId++;
    sockets.add(socket);
    stats.connectionsOpened++;
    if (idleTimeoutMs > 0) {
      socket.setTimeout(idleTimeoutMs, () => {
        log(`remoting: connection from ${remoteOf(socket)} idle for ${idleTimeoutMs} ms, closing it`);
        socket.destroy();
      });
    }
    const context = (options.connectionContext ?? plainContext)(socket, id);
    const decoder = new FrameDecoder();
    let open = true;

    const run = async (request: RemotingCommand): Promise<Reply> => {
      const slot = limiter.acquire();
      if (slot === false) {
        stats.overloadRejections++;
        return { code: ResponseCode.SYSTEM_BUSY, remark: OVERLOAD_REMARK };
      }
      await slot;
      try {
        return await dispatch(options.processors, request, context, replyForError);
      } finally {
        limiter.release();
      }
    };

    const answer = (request: RemotingCommand) => {
      stats.requests++;
      increment(stats.requestsByCode, request.code);
      const goAway = shuttingDown && request.version > MQVersion.V5_3_1;
      if (goAway) stats.goAway++;
      inFlight++;
      const reply: Promise<Reply> = goAway
        ? Promise.resolve({ code: ResponseCode.GO_AWAY, remark: GO_AWAY_REMARK })
        : run(request);
      reply
        .finally(() => {
          inFlight--;
        })
        .then(
          (reply) => {
            if (isOneway(request) || !open || socket.destroyed) return;
            increment(stats.responsesByCode, reply.code);
            let frame: Buffer;
            try {
              // A reply that names extFields (even none) is one with a response header class.
              frame = encode(toResponse(request, reply, version), serializeType, {
                writeEmptyExtFields: reply.extFields !== undefined,
              });
            } catch (error) {
              frame = encode(toResponse(request, replyForError(error), version), serializeType);
            }
            // A peer that sends faster than it reads: stop reading until its answers drain (Netty's
            // write-buffer high-water mark), so unread answers cannot grow without bound.
            if (!socket.write(frame) && !socket.isPaused()) {
              socket.pause();
              socket.once("drain", () => socket.resume());
            }
          },
          (error: unknown) =>
            log(`remoting: request ${request.code} from ${context.remoteAddress} failed: ${String(error)}`),
        );
    };

    socket.on("data", (chunk: Buffer) => {
      if (!open) return;
      let commands: RemotingCommand[];
      try {
        commands = decoder.push(chunk);
      } catch (error) {
        open = false;
        log(
          `remoting: decode error from ${context.remoteAddress}, closing the connection: ${(error as Error).message}`,
        );
        socket.destroy();
        return;
      }
      const overBudget = budget.update(socket, decoder.pendingBytes, commands.length > 0);
      if (overBudget !== undefined) {
        open = false;
        cutOff(socket, overBudget);
        return;
      }
      // Responses to requests this server never sends are dropped, as NettyRemotingAbstract does.
      for (const command of commands) if (!isResponse(command)) answer(command);
    });
    socket.on("error", () => {
      // A reset by the peer: "close" follows, which is where the connection ends.
    });
    socket.on("close", () => {
      open = false;
      budget.release(socket);
      sockets.delete(socket);
      stats.connectionsClosed++;
      if (!closing) options.onConnectionClosed?.(context);
    });
    // A connection told apart by its first byte was paused meanwhile.
    socket.resume();
  };

  const server: Server = createServer(accept);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;

  return {
    port,
    get connectionCount() {
      return sockets.size;
    },
    get pendingFrameBytes() {
      return budget.pendingBytes;
    },
    get framesInProgress() {
      return budget.framesInProgress;
    },
    get inFlight() {
      return inFlight;
    },
    stats,
    get shuttingDown() {
      return shuttingDown;
    },
    shutdown: async (drainMs: number) => {
      if (shuttingDown) return;
      shuttingDown = true;
      closing = true;
      clearInterval(slowSenderCheck);
      const deadline = Date.now() + drainMs;
      // Stop accepting; the callback only fires once every connection is gone, which is not awaited.
      server.close();
      log(
        `remoting: shutting down: not accepting connections, GO_AWAY to clients newer than V5_3_1, ${sockets.size} connection(s) and ${inFlight} request(s) in flight drain for up to ${drainMs} ms`,
      );
      while ((sockets.size > 0 || undecided.size > 0 || inFlight > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
      }
      const left = sockets.size + undecided.size;
      for (const socket of [...sockets, ...undecided]) socket.destroy();
      log(
        `remoting: shut down (${left} connection(s) closed at the end of the drain, ${stats.goAway} GO_AWAY answered)`,
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        clearInterval(slowSenderCheck);
        server.close(() => resolve());
        for (const socket of [...sockets, ...undecided]) socket.destroy();
      }),
  };
}
