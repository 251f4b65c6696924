/**
 * The project-wide Lambda construct (house style rule 9): every function of the registry, HTTP route or
 * sweeper, is built here, so runtime, architecture, bundling, source maps, logging and the table grant
 * are decided once.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { METRICS_NAMESPACE, SERVICE_NAME } from "../lib/metric-names";
import { tableGrantStatements } from "./table-grants";

/** The repository root: entries are `functions/<module>.ts`, and esbuild runs from here. */
export const projectRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * Set by scripts/build.mjs in the published construct (`dist/cdk`): the handlers are the bundles
 * built with the package (`dist/functions/<module>/index.mjs`, with the settings below, the AWS SDK
 * included, split into shared chunks: 2.7 MB for all 25 instead of 0.5 MB each), deployed as one
 * `Code.fromAsset` (uploaded once), so the construct works from `node_modules` without the sources,
 * esbuild or Docker. From the repository (tsx) it is undefined and every function is bundled on its
 * own from `functions/` at synth (the figures of docs/deploy.md "Bundle size and cold start").
 */
declare const __NAMESRV_PREBUILT_FUNCTIONS__: string | undefined;

/** Where the prebuilt bundles are, relative to the published construct's module; undefined from sources. */
export function prebuiltFunctionsDir(): string | undefined {
  if (typeof __NAMESRV_PREBUILT_FUNCTIONS__ !== "string") return undefined;
  return fileURLToPath(new URL(__NAMESRV_PREBUILT_FUNCTIONS__, import.meta.url));
}

/** The esbuild target of every bundle: the runtime below. */
export const NAMESRV_ESBUILD_TARGET = "node24";

export { METRICS_NAMESPACE };

/**
 * Node.js 24: the newest Lambda runtime this aws-cdk-lib knows (NODEJS_22_X and NODEJS_24_X exist),
 * an LTS line maintained upstream until April 2028. A fixed version, not NODEJS_LATEST, so that a CDK
 * upgrade never swaps the runtime under a deployed function.
 */
export const NAMESRV_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Where the AWS SDK v3 comes from at run time. See docs/deploy.md, "Bundle size and cold start". */
export type AwsSdkSource =
  /** Bundled into each function (pinned to package-lock.json, tree-shaken and minified). */
  | "bundled"
  /** The copy shipped in the Lambda runtime (`@aws-sdk/*` and `@smithy/*` left external). */
  | "runtime";

/**
 * The esbuild settings of every function. ESM output, because the handlers are ESM TypeScript (imports
 * without extensions, resolved by esbuild as tsconfig's `Bundler` resolution does); `module` before
 * `main` picks the ESM build of dual packages. Today every dependency resolves to an ESM build and the
 * bundle calls no `require`; the banner is insurance, so that a CommonJS dependency added later gets
 * the `require` it expects for Node built-ins instead of failing every cold start with esbuild's
 * "Dynamic require of ... is not supported".
 */
export function namesrvBundling(awsSdk: AwsSdkSource): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    mainFields: ["module", "main"],
    banner:
      "import{createRequire as __namesrvCreateRequire}from'node:module';const require=__namesrvCreateRequire(import.meta.url);",
    minify: true,
    sourceMap: true,
    // Stack traces need the mappings, not the sources: keeps the .map (and the zip) small.
    sourcesContent: false,
    // No Docker on the build machines: esbuild from node_modules, always.
    forceDockerBundling: false,
    // Warnings and errors only: no size summary per function on every synth.
    logLevel: LogLevel.WARNING,
    ...(awsSdk === "bundled" ? { bundleAwsSDK: true } : { externalModules: ["@aws-sdk/*", "@smithy/*"] }),
  };
}

export interface NamesrvFunctionProps {
  /** Module under `functions/` (no extension) whose `handler` export this function runs. */
  readonly handlerModule: string;
  /**
   * The registry table and what the function does to it: its name goes to `TABLE_NAME`; `read` gets
   * `grantReadData` only, `readWrite` gets `grantReadWriteData`, `declared` gets exactly what the
   * handler's use cases call, on the partitions they touch (infra/table-grants.ts).
   * @default - no table: no TABLE_NAME, no grant (a function that answers without the registry)
   */
  readonly table?: { readonly table: ITable; readonly access: "read" | "readWrite" | "declared" };
  /** Retention of the function's own log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Bundle the AWS SDK or use the runtime's.
   * @default "bundled"
   */
  readonly awsSdk?: AwsSdkSource;
  /** @default - a description naming the handler module */
  readonly description?: string;
  /** @default Duration.seconds(15): above the DynamoDB client's retries, below API Gateway's 30 s */
  readonly timeout?: Duration;
  /** @default 512 (MiB; CPU grows with memory, which shortens cold starts) */
  readonly memorySize?: number;
  /** @default - unreserved (draws on the account's shared concurrency) */
  readonly reservedConcurrentExecutions?: number;
  /** Extra environment variables. @default - none */
  readonly environment?: Record<string, string>;
  /** Powertools log level. @default "INFO" */
  readonly logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /**
   * Lambda's own lines (platform.start, platform.report: INFO). WARN keeps only Lambda's warnings and
   * errors (timeouts, crashes), which is most of what the bill of a busy function's log group is.
   * @default "INFO"
   */
  readonly systemLogLevel?: "DEBUG" | "INFO" | "WARN";
}

/**
 * One registry function: a NodejsFunction (`Function`), its log group (`LogGroup`) with retention, and
 * a role (`Role`) that may write to that log group only, plus the table grant its access needs. No
 * managed policy: AWSLambdaBasicExecutionRole would allow writing to every log group of the account.
 */
export class NamesrvFunction extends Construct {
  /** A NodejsFunction from the repository, a Function over the prebuilt bundle from the package. */
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: NamesrvFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "LogGroup", { retention: props.logRetention });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Runs the ${props.handlerModule} function of the NameServer`,
    });
    this.logGroup.grantWrite(this.role);

    const prebuilt = prebuiltFunctionsDir();
    const awsSdk = props.awsSdk ?? "bundled";
    if (prebuilt !== undefined && awsSdk !== "bundled") {
      throw new Error(
        'awsSdk "runtime" needs the repository build: the packaged construct ships bundles that carry their own AWS SDK (awsSdk "bundled")',
      );
    }
    const functionProps: Omit<lambda.FunctionProps, "code" | "handler"> = {
      runtime: NAMESRV_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(15),
      description: props.description ?? `NameServer ${props.handlerModule}`,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel[props.systemLogLevel ?? "INFO"],
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        ...(props.table === undefined ? {} : { TABLE_NAME: props.table.table.tableName }),
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? "INFO",
        ...props.environment,
      },
    };
    this.function =
      prebuilt === undefined
        ? new NodejsFunction(this, "Function", {
            ...functionProps,
            entry: path.join(projectRoot, "functions", `${props.handlerModule}.ts`),
            handler: "handler",
            projectRoot,
            depsLockFilePath: path.join(projectRoot, "package-lock.json"),
            bundling: namesrvBundling(awsSdk),
          })
        : new lambda.Function(this, "Function", {
            ...functionProps,
            // One asset for every function (uploaded once): each handler's entry and the chunks it shares.
            code: lambda.Code.fromAsset(prebuilt),
            handler: `${props.handlerModule}/index.handler`,
          });

    if (props.table?.access === "declared") {
      for (const statement of tableGrantStatements(props.table.table, props.handlerModule)) {
        this.role.addToPrincipalPolicy(statement);
      }
    } else if (props.table?.access === "read") {
      props.table.table.grantReadData(this.function);
    } else if (props.table?.access === "readWrite") {
      props.table.table.grantReadWriteData(this.function);
    }
  }
}
