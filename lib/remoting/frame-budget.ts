/**
 * One memory budget for unfinished frames over all the connections of a remoting server. Netty's
 * decoder bounds one connection (a frame of at most 16 MiB); a registry that many hosts share also
 * needs a bound for all of them together, or 60 connections each holding 15 MiB of a frame they
 * never finish take a gigabyte. Three limits, each answered by closing the offending connection,
 * never by growing:
 *
 * - bytes of unfinished frames held in all (`maxPendingBytes`): the connection whose data would
 *   take the total past it is closed;
 * - connections holding an unfinished frame at once (`maxFramesInProgress`): one more is closed;
 * - time from a frame's first byte to its last (`frameTimeoutMs`): a slow sender is cut off, whatever
 *   it sends meanwhile (a byte a second keeps a socket from being idle, not a frame alive).
 *
 * A frame that arrives whole in one read holds nothing here: ordinary requests never meet the budget.
 */

export interface FrameBudgetLimits {
  maxPendingBytes: number;
  maxFramesInProgress: number;
  frameTimeoutMs: number;
}

export const DEFAULT_FRAME_BUDGET: FrameBudgetLimits = {
  // Four frames of RocketMQ's largest (16 MiB), or hundreds of large registrations in flight.
  maxPendingBytes: 64 * 1024 * 1024,
  maxFramesInProgress: 1024,
  // A 16 MiB registration at 1 MiB/s; a broker's usual one (well under 1 MiB) needs milliseconds.
  frameTimeoutMs: 30_000,
};

/**
 * What an operator may set (npm start's REMOTING_FRAME_BUDGET_* / REMOTING_FRAME_TIMEOUT_MS,
 * `namesrv gateway --frame-budget-bytes / --frame-budget-frames / --frame-timeout`), inclusive.
 * Bytes: 1 MiB to 4 GiB (below 16 MiB a registration as large as RocketMQ allows can be refused
 * while it arrives; above a few hundred MiB the bound stops protecting a small host). Frames: 1 to
 * 100,000. Time for one frame: 1 s to 10 min.
 */
export const FRAME_BUDGET_RANGES: { readonly [K in keyof FrameBudgetLimits]: { min: number; max: number } } =
  {
    maxPendingBytes: { min: 1024 * 1024, max: 4 * 1024 * 1024 * 1024 },
    maxFramesInProgress: { min: 1, max: 100_000 },
    frameTimeoutMs: { min: 1_000, max: 600_000 },
  };

/** For a start-up line: `frame budget 67108864 bytes, 1024 frames, 30000 ms per frame`. */
export function describeFrameBudget(limits: FrameBudgetLimits): string {
  return `frame budget ${limits.maxPendingBytes} bytes, ${limits.maxFramesInProgress} frames, ${limits.frameTimeoutMs} ms per frame`;
}

interface Unfinished {
  bytes: number;
  startedAt: number;
}

export class FrameBudget<K> {
  private readonly unfinished = new Map<K, Unfinished>();
  private total = 0;
  readonly limits: FrameBudgetLimits;

  constructor(
    limits: Partial<FrameBudgetLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_FRAME_BUDGET, ...limits };
  }

  /** Bytes of unfinished frames held over all connections. */
  get pendingBytes(): number {
    return this.total;
  }

  /** Connections holding an unfinished frame. */
  get framesInProgress(): number {
    return this.unfinished.size;
  }

  /**
   * After a read on `key`: `pendingBytes` of an unfinished frame are now held (0: none), and
   * `frameCompleted` says whether a frame ended in that read (what remains then began in it). Returns
   * why the connection must be closed, having forgotten what it held, or undefined.
   */
  update(key: K, pendingBytes: number, frameCompleted: boolean): string | undefined {
    const held = this.unfinished.get(key);
    if (pendingBytes === 0) {
      this.release(key);
      return undefined;
    }
    const now = this.now();
    const startedAt = held !== undefined && !frameCompleted ? held.startedAt : now;
    const total = this.total - (held?.bytes ?? 0) + pendingBytes;
    let reason: string | undefined;
    if (held === undefined && this.unfinished.size >= this.limits.maxFramesInProgress) {
      reason = `${this.unfinished.size} connections already hold an unfinished frame (at most ${this.limits.maxFramesInProgress})`;
    } else if (total > this.limits.maxPendingBytes) {
      reason = `unfinished frames would hold ${total} bytes (at most ${this.limits.maxPendingBytes} over all connections)`;
    } else if (now - startedAt > this.limits.frameTimeoutMs) {
      reason = this.slowReason(now - startedAt, pendingBytes);
    }
    if (reason !== undefined) {
      this.release(key);
      return reason;
    }
    this.unfinished.set(key, { bytes: pendingBytes, startedAt });
    this.total = total;
    return undefined;
  }

  /** The connection closed (or its frame was dropped): what it held is free again. */
  release(key: K): void {
    const held = this.unfinished.get(key);
    if (held === undefined) return;
    this.total -= held.bytes;
    this.unfinished.delete(key);
  }

  /** Connections whose unfinished frame has taken longer than `frameTimeoutMs`, with why; forgotten. */
  expired(): Array<{ key: K; reason: string }> {
    const now = this.now();
    const out: Array<{ key: K; reason: string }> = [];
    for (const [key, held] of this.unfinished) {
      if (now - held.startedAt > this.limits.frameTimeoutMs) {
        out.push({ key, reason: this.slowReason(now - held.startedAt, held.bytes) });
      }
    }
    for (const { key } of out) this.release(key);
    return out;
  }

  private slowReason(elapsedMs: number, bytes: number): string {
    return `a frame unfinished after ${elapsedMs} ms (${bytes} bytes received; at most ${this.limits.frameTimeoutMs} ms per frame)`;
  }
}
