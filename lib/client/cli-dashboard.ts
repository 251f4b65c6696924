/**
 * `namesrv dashboard`: serves the status page of lib/dashboard (built by branch i12b) until Ctrl-C.
 * STUB until i12b is merged: the lead wires `startDashboard({ apiUrl, listen, ... })` here.
 */
import type { CliIo } from "./cli";
import type { Auth } from "./transport";

export interface DashboardCommandOptions {
  apiUrl: string;
  listen: string;
  auth: Auth;
  io: CliIo;
  /** Resolves on Ctrl-C. */
  wait: () => Promise<void>;
}

export async function startDashboardCommand(options: DashboardCommandOptions): Promise<number> {
  options.io.stderr("namesrv dashboard: this build has no dashboard yet (lib/dashboard is not merged)\n");
  return 1;
}
