/**
 * A RocketMQ remoting client over one TCP connection (what `NettyRemotingClient` does for one
 * address): requests get an opaque of their own and responses are matched by it, in whatever order
 * they come back. Used by the CLI's `-n host:port`, the benches and the tests; it speaks to this
 * gateway and to RocketMQ's own NameServer alike.
 */
import { connect, isIP, type Socket } from "node:net";
import { type ConnectionOptions, connect as connectTls } from "node:tls";
import { encode, FrameDecoder, FrameError, isResponse, type RemotingCommand } from "./codec";
import { MQVersion, RPC_ONEWAY, SerializeType } from "./protocol";

export interface RemotingClientOptions {
  /** Header type of the requests (responses are decoded whatever type they carry). Default JSON. */
  serializeType?: SerializeType;
  /** `MQVersion` ordinal sent as `version`; default V5_3_3 (479), as a current Java client. */
  version?: number;
  /** `LanguageCode` name sent as `language`; default JAVA. */
  language?: string;
  /** Default per-request timeout; RocketMQ's clients use 3000 ms for NameServer requests. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** First opaque (Java starts at 0); for tests of wrap-around and negative ids. */
  firstOpaque?: number;
  /**
   * Connect over TLS (RocketMQ's `tls.enable=true`): `true` verifies the server's certificate against
   * the system's CAs, or give node:tls options (`ca`, `rejectUnauthorized: false` as RocketMQ's
   * `tls.test.mode.enable`, ...). Plaintext by default.
   */
  tls?: true | ConnectionOptions;
}

/** The connection failed, closed before the answer, or timed out. */
export class RemotingConnectError extends Error {}
export class RemotingTimeoutError extends Error {}

interface Pending {
  resolve(command: RemotingCommand): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export function parseAddress(addr: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(addr.trim());
  const port = match === null ? Number.NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65535) {
    throw new Error(`not a host:port address: "${addr}"`);
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

export class RemotingClient {
  readonly host: string;
  readonly port: number;
  private readonly serializeType: SerializeType;
  private readonly version: number;
  private readonly language: string;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly tls: ConnectionOptions | undefined;
  private nextOpaque: number;
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    readonly addr: string,
    options: RemotingClientOptions = {},
  ) {
    const { host, port } = parseAddress(addr);
    this.host = host;
    this.port = port;
    this.serializeType = options.serializeType ?? SerializeType.JSON;
    this.version = options.version ?? MQVersion.V5_3_3;
    this.language = options.language ?? "JAVA";
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3000;
    this.nextOpaque = options.firstOpaque ?? 0;
    this.tls = options.tls === true ? {} : options.tls;
  }

  /** Sends a request and resolves with its response (whatever its code: the caller reads `code`). */
  async invoke(
    code: number,
    extFields: Record<string, string> = {},
    body?: Buffer,
    timeoutMs: number = this.timeoutMs,
  ): Promise<RemotingCommand> {
    const socket = await this.connection();
    const opaque = this.takeOpaque();
    const frame = encode(this.command(code, extFields, body, opaque, 0), this.serializeType);
    return new Promise<RemotingCommand>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(opaque);
        reject(
          new RemotingTimeoutError(`no answer from ${this.addr} to request ${code} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(opaque, { resolve, reject, timer });
      socket.write(frame);
    });
  }

  /** Sends a request with the oneway flag: no answer comes, it resolves once the frame is written. */
  async invokeOneway(code: number, extFields: Record<string, string> = {}, body?: Buffer): Promise<void> {
    const socket = await this.connection();
    const frame = encode(
      this.command(code, extFields, body, this.takeOpaque(), RPC_ONEWAY),
      this.serializeType,
    );
    await new Promise<void>((resolve, reject) => {
      socket.write(frame, (error) => (error ? reject(new RemotingConnectError(error.message)) : resolve()));
    });
  }

  /** Writes raw bytes on the connection (tests of split and malformed frames). */
  async writeRaw(bytes: Buffer): Promise<void> {
    const socket = await this.connection();
    await new Promise<void>((resolve, reject) => {
      socket.write(bytes, (error) => (error ? reject(new RemotingConnectError(error.message)) : resolve()));
    });
  }

  get pendingRequests(): number {
    return this.pending.size;
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
    this.failAll(new RemotingConnectError(`connection to ${this.addr} closed`));
  }

  private command(
    code: number,
    extFields: Record<string, string>,
    body: Buffer | undefined,
    opaque: number,
    flag: number,
  ): RemotingCommand {
    const command: RemotingCommand = {
      code,
      language: this.language,
      version: this.version,
      opaque,
      flag,
      extFields,
    };
    if (body !== undefined && body.length > 0) command.body = body;
    return command;
  }

  private takeOpaque(): number {
    const opaque = this.nextOpaque;
    this.nextOpaque = (this.nextOpaque + 1) | 0;
    return opaque;
  }

  private connection(): Promise<Socket> {
    if (this.closed) return Promise.reject(new RemotingConnectError(`client for ${this.addr} is closed`));
    if (this.socket !== undefined) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket =
        this.tls === undefined
          ? connect({ host: this.host, port: this.port })
          : connectTls({
              // SNI takes host names only (RFC 6066).
              ...(isIP(this.host) === 0 ? { servername: this.host } : {}),
              ...this.tls,
              host: this.host,
              port: this.port,
            });
      socket.setNoDelay(true);
      const decoder = new FrameDecoder();
      const timer = setTimeout(() => {
        socket.destroy(new Error(`connect timeout after ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      socket.once(this.tls === undefined ? "connect" : "secureConnect", () => {
        clearTimeout(timer);
        this.socket = socket;
        this.connecting = undefined;
        resolve(socket);
      });
      socket.on("data", (chunk: Buffer) => {
        let commands: RemotingCommand[];
        try {
          commands = decoder.push(chunk);
        } catch (error) {
          const reason = error instanceof FrameError ? error.message : String(error);
          socket.destroy(new Error(`undecodable answer from ${this.addr}: ${reason}`));
          return;
        }
        for (const command of commands) {
          if (!isResponse(command)) continue;
          const waiting = this.pending.get(command.opaque);
          if (waiting === undefined) continue;
          this.pending.delete(command.opaque);
          clearTimeout(waiting.timer);
          waiting.resolve(command);
        }
      });
      socket.on("error", (error) => {
        clearTimeout(timer);
        if (this.connecting !== undefined && this.socket !== socket) {
          this.connecting = undefined;
          reject(new RemotingConnectError(`cannot connect to ${this.addr}: ${error.message}`));
        }
      });
      socket.on("close", () => {
        clearTimeout(timer);
        if (this.socket === socket) this.socket = undefined;
        if (this.connecting !== undefined && this.socket === undefined) {
          this.connecting = undefined;
          reject(new RemotingConnectError(`cannot connect to ${this.addr}`));
        }
        this.failAll(new RemotingConnectError(`connection to ${this.addr} closed before the answer`));
      });
    });
    return this.connecting;
  }

  private failAll(error: Error): void {
    for (const [opaque, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      this.pending.delete(opaque);
      waiting.reject(error);
    }
  }
}
