/**
 * The repository's own stack for `cdk deploy` (infra/app.ts): the NameServer construct
 * (infra/name-server.ts, published as `serverless-namesrv/cdk`) at the stack's root. Its id is
 * "Default", which CDK leaves out of logical ids: every resource keeps the logical id it had when the
 * stack built them itself (test/infra/logical-ids.test.ts pins the stateful ones), so deploying over
 * an existing stack updates the table in place instead of creating a new, empty one.
 */
import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { NameServer } from "./name-server";
import type { NameServerProps } from "./name-server-props";

export { NameServer } from "./name-server";
export {
  accessLogFields,
  DEFAULT_TABLE_CAPACITY,
  minimalAccessLogFields,
  type NameServerProps,
  selfPreservationEnvironment,
  sweepPlan,
  type TableCapacity,
} from "./name-server-props";

export interface NameServerStackProps extends StackProps, NameServerProps {}

export class NameServerStack extends Stack {
  /** The registry: table, API, functions, sweeper, alarms, policies. */
  readonly nameServer: NameServer;

  constructor(scope: Construct, id: string, props: NameServerStackProps = {}) {
    super(scope, id, props);
    this.nameServer = new NameServer(this, "Default", props);
  }
}
