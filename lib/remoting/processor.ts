/**
 * What the remoting server asks of the code behind it (`NettyRequestProcessor` and
 * `ChannelEventListener` in RocketMQ's remoting module): a processor per request code, the reply it
 * gives, and what a processor may know of the connection a request came on. The NameServer's own
 * processors live in lib/gateway.
 */
import type { RemotingCommand } from "./codec";

/** What a processor answers; the server adds opaque, flag, language and version. */
export interface Reply {
  code: number;
  remark?: string;
  extFields?: Record<string, string>;
  body?: Buffer;
}

export interface BrokerIdentity {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  brokerAddr: string;
}

/** What a processor may know of the connection a request came on (BrokerHousekeepingService). */
export interface ConnectionContext {
  readonly remoteAddress: string;
  brokerRegistered(broker: BrokerIdentity): void;
  brokerUnregistered(broker: BrokerIdentity): void;
}

export type Processor = (request: RemotingCommand, connection: ConnectionContext) => Promise<Reply>;

/** Turns what a processor threw into the reply the peer gets. */
export type ErrorReply = (error: unknown) => Reply;
