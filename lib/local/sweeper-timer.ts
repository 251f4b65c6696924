/**
 * Runs the sweeper every `intervalMs`, never two runs at once: the next run is scheduled when the
 * previous one has finished (as EventBridge + reserved concurrency 1 would on AWS).
 */
export interface SweeperTimer {
  /** Stops scheduling and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startSweeperTimer(
  sweep: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): SweeperTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, intervalMs);
    timer.unref();
  };
  const run = () => {
    timer = undefined;
    running = sweep()
      .then(
        () => undefined,
        (error: unknown) => onError(error),
      )
      .finally(() => {
        running = undefined;
        schedule();
      });
  };

  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
