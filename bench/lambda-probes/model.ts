/** Cold-init probe: the RocketMQ model's zod schemas alone (zod's share). */
import { registerBrokerSchema } from "../../lib/domain/model";

export const handler = async () => registerBrokerSchema.safeParse({}).success;
