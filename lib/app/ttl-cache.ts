/**
 * One value read from the table and reused for `maxAgeMs` by this instance: how every Lambda and the
 * local server honour a PUT /config (or a change of ORDER_TOPIC_CONFIG) within a few seconds without
 * reading it on every request. Concurrent misses share one read.
 */
export class TtlCache<T> {
  private entry: { value: T; readAt: number } | undefined;
  private pending: Promise<T> | undefined;

  constructor(
    private readonly maxAgeMs: number,
    private readonly clock: () => number,
    private readonly load: () => Promise<T>,
  ) {}

  async get(): Promise<T> {
    const entry = this.entry;
    if (entry !== undefined && this.clock() - entry.readAt < this.maxAgeMs) return entry.value;
    this.pending ??= this.reload().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Reads now (and keeps what it read). */
  async reload(): Promise<T> {
    const readAt = this.clock();
    const value = await this.load();
    this.entry = { value, readAt };
    return value;
  }

  invalidate(): void {
    this.entry = undefined;
  }
}
