/**
 * Send-side broker avoidance: RocketMQ 5's `LatencyFaultToleranceImpl` and `MQFaultStrategy`. A send's
 * latency (or its failure) makes its broker group unavailable for a while; queue selection prefers
 * available groups, then reachable ones, and never comes back empty-handed while there are queues.
 * Time comes from an injected clock so that the rules are tested without sleeping.
 */
import type { MessageQueue, TopicPublishInfo } from "./publish-info";

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** RocketMQ 5's thresholds: a send at least this slow (ms)... */
export const DEFAULT_LATENCY_MAX: readonly number[] = [50, 100, 550, 1800, 3000, 5000, 15000];
/** ...makes its broker unavailable for this long (ms). */
export const DEFAULT_NOT_AVAILABLE_DURATION: readonly number[] = [0, 0, 2000, 5000, 6000, 10000, 30000];
/** A failed send (isolation) counts as a send this slow. */
export const ISOLATION_LATENCY_MILLIS = 10_000;

export interface FaultItem {
  readonly name: string;
  /** Latency of the last send, in ms. */
  currentLatency: number;
  /** The broker is available again from this time on (epoch ms). */
  startTimestamp: number;
  /** False after a failed send, until a send succeeds again. */
  reachable: boolean;
}

export class LatencyFaultTolerance {
  private readonly faultItemTable = new Map<string, FaultItem>();

  constructor(private readonly clock: Clock = systemClock) {}

  /**
   * Records a send. An isolation only ever extends: a fast send right after a failure does not make the
   * broker available before its not-available duration has passed (RocketMQ 5's behaviour).
   */
  updateFaultItem(
    name: string,
    currentLatency: number,
    notAvailableDuration: number,
    reachable: boolean,
  ): void {
    const now = this.clock.now();
    let item = this.faultItemTable.get(name);
    if (item === undefined) {
      item = { name, currentLatency, startTimestamp: 0, reachable };
      this.faultItemTable.set(name, item);
    }
    item.currentLatency = currentLatency;
    item.reachable = reachable;
    if (notAvailableDuration > 0 && now + notAvailableDuration > item.startTimestamp) {
      item.startTimestamp = now + notAvailableDuration;
    }
  }

  isAvailable(name: string): boolean {
    const item = this.faultItemTable.get(name);
    return item === undefined || this.clock.now() >= item.startTimestamp;
  }

  isReachable(name: string): boolean {
    return this.faultItemTable.get(name)?.reachable ?? true;
  }

  remove(name: string): void {
    this.faultItemTable.delete(name);
  }

  /** A snapshot, for diagnostics. */
  items(): FaultItem[] {
    return [...this.faultItemTable.values()].map((item) => ({ ...item }));
  }
}

export interface FaultStrategyOptions {
  clock?: Clock;
  /** RocketMQ's `sendLatencyFaultEnable`; when false only the last failed broker is avoided. */
  sendLatencyFaultEnable?: boolean;
  latencyMax?: readonly number[];
  notAvailableDuration?: readonly number[];
}

export class MQFaultStrategy {
  readonly latencyFaultTolerance: LatencyFaultTolerance;
  readonly sendLatencyFaultEnable: boolean;
  private readonly latencyMax: readonly number[];
  private readonly notAvailableDuration: readonly number[];

  constructor(options: FaultStrategyOptions = {}) {
    this.latencyFaultTolerance = new LatencyFaultTolerance(options.clock ?? systemClock);
    this.sendLatencyFaultEnable = options.sendLatencyFaultEnable ?? true;
    this.latencyMax = options.latencyMax ?? DEFAULT_LATENCY_MAX;
    this.notAvailableDuration = options.notAvailableDuration ?? DEFAULT_NOT_AVAILABLE_DURATION;
    if (this.latencyMax.length !== this.notAvailableDuration.length) {
      throw new RangeError("latencyMax and notAvailableDuration must have the same length");
    }
  }

  /**
   * Picks the queue for the next send. With latency fault tolerance: round-robin over queues of available
   * brokers other than `lastBrokerName` (the one a retry moves away from), then of reachable brokers other
   * than it, then any queue, so that a producer whose brokers are all unavailable still gets one.
   */
  selectOneMessageQueue(info: TopicPublishInfo, lastBrokerName?: string): MessageQueue | undefined {
    const notLastBroker = (q: MessageQueue) =>
      lastBrokerName === undefined || q.brokerName !== lastBrokerName;
    const tolerance = this.latencyFaultTolerance;
    if (this.sendLatencyFaultEnable) {
      return (
        info.selectOneMessageQueue((q) => tolerance.isAvailable(q.brokerName), notLastBroker) ??
        info.selectOneMessageQueue((q) => tolerance.isReachable(q.brokerName), notLastBroker) ??
        info.selectOneMessageQueue()
      );
    }
    return info.selectOneMessageQueue(notLastBroker) ?? info.selectOneMessageQueue();
  }

  /**
   * Records how a send to `brokerName` went: its latency, and `isolation` when it failed (counted as a
   * {@link ISOLATION_LATENCY_MILLIS} send, and the broker is unreachable until a send succeeds).
   */
  updateFaultItem(brokerName: string, currentLatency: number, isolation: boolean): void {
    if (!this.sendLatencyFaultEnable) return;
    const duration = this.computeNotAvailableDuration(isolation ? ISOLATION_LATENCY_MILLIS : currentLatency);
    this.latencyFaultTolerance.updateFaultItem(brokerName, currentLatency, duration, !isolation);
  }

  isAvailable(brokerName: string): boolean {
    return this.latencyFaultTolerance.isAvailable(brokerName);
  }

  /** The duration of the highest latency threshold reached, 0 below the lowest. */
  computeNotAvailableDuration(currentLatency: number): number {
    for (let i = this.latencyMax.length - 1; i >= 0; i--) {
      const threshold = this.latencyMax[i];
      if (threshold !== undefined && currentLatency >= threshold) return this.notAvailableDuration[i] ?? 0;
    }
    return 0;
  }
}
