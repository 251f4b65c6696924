/**
 * `serverless-namesrv/cdk`: the NameServer as a construct for your own CDK app.
 *
 *   import { NameServer } from "serverless-namesrv/cdk";
 *   const ns = new NameServer(this, "Ns", { openReads: false });
 *   ns.grantRouteReads(producerRole);
 *
 * aws-cdk-lib and constructs are the app's (peer dependencies); the handlers ship prebuilt in the
 * package (dist/functions), so synth needs neither the sources nor esbuild nor Docker.
 */
export {
  type BrokerGroupRef,
  brokerWriteGrants,
  kvWriteGrants,
  type RouteGrant,
  readGrants,
} from "./api-access";
export { NameServer } from "./name-server";
export {
  accessLogFields,
  DEFAULT_TABLE_CAPACITY,
  minimalAccessLogFields,
  type NameServerProps,
  sweepPlan,
  type TableCapacity,
} from "./name-server-props";
export {
  type AwsSdkSource,
  NAMESRV_RUNTIME,
  NamesrvFunction,
  type NamesrvFunctionProps,
} from "./namesrv-function";
