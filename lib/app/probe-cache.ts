/**
 * A cached probe for GET /health (README "Security", throttle budget): the route is public, so a flood
 * of it must not become a flood of table reads. One answer is reused for `maxAgeMs` by every caller of
 * this function instance, and callers that arrive while a probe is in flight share it. A failed probe
 * (the table unreachable: 503) is not cached, so health recovers as soon as the table does.
 */
export class ProbeCache<T> {
  private cached: { value: T; at: number } | undefined;
  private inFlight: Promise<T> | undefined;

  constructor(
    private readonly probe: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.maxAgeMs <= 0) return this.probe();
    const cached = this.cached;
    if (cached !== undefined && this.clock() - cached.at < this.maxAgeMs)
      return Promise.resolve(cached.value);
    this.inFlight ??= this.probe()
      .then((value) => {
        this.cached = { value, at: this.clock() };
        return value;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
