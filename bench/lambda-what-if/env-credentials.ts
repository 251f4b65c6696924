/**
 * What-if stand-in, for measurement only (bench/scenarios/lambda.ts aliases
 * `@aws-sdk/credential-provider-node` to this module in one what-if bundle): the SDK's default
 * credential chain reduced to the one link a Lambda function uses, the execution role's credentials in
 * the environment. It shows what the rest of the chain (SSO, STS, sign-in, INI files, IMDS, ...) weighs
 * in a bundle and in its cold init; the deployed bundles keep the full chain.
 */
import { type FromEnvInit, fromEnv } from "@aws-sdk/credential-provider-env";

export const defaultProvider = (init?: FromEnvInit) => fromEnv(init);
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
