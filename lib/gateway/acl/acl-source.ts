/**
 * Where the remoting side's accounts come from, read once at start:
 *
 * - `NAMESRV_ACL_FILE`: a JSON or YAML file on this machine (`npm start`, `namesrv gateway`);
 * - `NAMESRV_ACL_SECRET_ARN`: an AWS Secrets Manager secret whose string is the same JSON (the
 *   managed remoting endpoint; the stack names the secret and grants its task `GetSecretValue`).
 *
 * Neither set: no accounts, every request let through (today's behaviour, RocketMQ's own). Both
 * set: an error, since one of them would be silently ignored. The secret's value is never logged.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type AclConfig, AclConfigError, loadAclFile, parseAclConfig } from "./acl-config";

export const ACL_FILE_ENV = "NAMESRV_ACL_FILE";
export const ACL_SECRET_ENV = "NAMESRV_ACL_SECRET_ARN";

export type AclSecretReader = (secretId: string) => Promise<string>;

/** Reads a secret's string with the default credential chain (the task role on AWS). */
export const readSecretString: AclSecretReader = async (secretId) => {
  const client = new SecretsManagerClient({});
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (answer.SecretString === undefined) {
      throw new AclConfigError(
        `secret ${secretId} has no string value (a binary secret is not an ACL document)`,
      );
    }
    return answer.SecretString;
  } finally {
    client.destroy();
  }
};

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** The accounts the environment names, or undefined when it names none. Throws AclConfigError. */
export async function loadAclFromEnvironment(
  env: NodeJS.ProcessEnv,
  readSecret: AclSecretReader = readSecretString,
): Promise<AclConfig | undefined> {
  const file = read(env, ACL_FILE_ENV);
  const secret = read(env, ACL_SECRET_ENV);
  if (file !== undefined && secret !== undefined) {
    throw new AclConfigError(`set ${ACL_FILE_ENV} or ${ACL_SECRET_ENV}, not both`);
  }
  if (file !== undefined) return loadAclFile(file);
  if (secret === undefined) return undefined;
  let text: string;
  try {
    text = await readSecret(secret);
  } catch (error) {
    if (error instanceof AclConfigError) throw error;
    throw new AclConfigError(
      `${ACL_SECRET_ENV}: cannot read secret ${secret}: ${error instanceof Error ? error.name : String(error)}`,
    );
  }
  try {
    return parseAclConfig(text, "json");
  } catch (error) {
    // A JSON parser's message quotes the text around the error: never a piece of the secret.
    const message = (error as Error).message;
    const safe = message.startsWith("not valid JSON") ? "not valid JSON" : message;
    throw new AclConfigError(`${ACL_SECRET_ENV} (${secret}): ${safe}`);
  }
}
