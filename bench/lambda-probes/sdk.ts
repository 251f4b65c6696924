/** Cold-init probe: the project's DynamoDB document client module alone (the AWS SDK's share). */
import { createDocumentClient } from "../../lib/store/dynamodb-client";

const client = createDocumentClient({ region: process.env.AWS_REGION });
export const handler = async () => client.config.region();
