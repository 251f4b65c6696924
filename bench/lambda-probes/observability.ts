/** Cold-init probe: the Powertools logger and metrics singletons alone. */
import { logger, metrics } from "../../lib/observability";

export const handler = async () => [logger, metrics].length;
