/**
 * Where the managed endpoint's gateway image is built from (`cdk deploy` builds it; `cdk synth` only
 * stages the build context, no Docker):
 *
 * - in this repository (infra/ next to the sources): the repository's `Dockerfile`, which compiles
 *   the package and installs what `npm pack` makes of it;
 * - from an installed package (`serverless-namesrv/cdk` in node_modules, no sources): the package's
 *   own `Dockerfile.package`, which packs the package's prebuilt `dist/` as it is and installs that.
 *   Its runtime stage is the repository Dockerfile's, line for line (test/infra/remoting-endpoint.test.ts
 *   checks), so both images run the same entrypoint, command and environment.
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";

/** The repository's Dockerfile (builds from the sources). */
export const REPOSITORY_DOCKERFILE = "Dockerfile";
/** The packaged variant (builds from the package's prebuilt dist/; package.json "files" ships it). */
export const PACKAGED_DOCKERFILE = "Dockerfile.package";
/**
 * What the packaged build context leaves out: the gateway is dist/bin (the CLI and the status page's
 * files); the handler bundles, declarations and the construct are not in the image, and neither is
 * anything npm installed under the package.
 */
export const PACKAGED_CONTEXT_EXCLUDES = [
  "node_modules",
  "dist/functions",
  "dist/types",
  "dist/cdk",
] as const;

export interface GatewayImageSource {
  /** The Docker build context. */
  readonly directory: string;
  /** The Dockerfile, relative to `directory`. */
  readonly file: string;
  /** Build-context exclusions (the repository's own `.dockerignore` applies there). */
  readonly exclude?: readonly string[];
}

/**
 * The build context and Dockerfile for this copy of the construct: the repository's when its Dockerfile
 * and sources are there, the package's otherwise. `from` is the construct module's URL.
 */
export function gatewayImageSource(from: string): GatewayImageSource {
  const beside = fileURLToPath(new URL("..", from));
  if (existsSync(join(beside, REPOSITORY_DOCKERFILE)) && existsSync(join(beside, "lib", "remoting"))) {
    return { directory: beside, file: REPOSITORY_DOCKERFILE };
  }
  const root = packageRootOf(fileURLToPath(new URL(".", from)));
  if (
    root !== undefined &&
    existsSync(join(root, PACKAGED_DOCKERFILE)) &&
    existsSync(join(root, "dist", "bin", "namesrv.js"))
  ) {
    return { directory: root, file: PACKAGED_DOCKERFILE, exclude: PACKAGED_CONTEXT_EXCLUDES };
  }
  throw new Error(
    `remoting endpoint: neither the repository's ${REPOSITORY_DOCKERFILE} with its sources nor the package's ${PACKAGED_DOCKERFILE} with dist/bin is beside ${beside}; reinstall serverless-namesrv, or build the gateway image yourself and pass it as the endpoint's image (ecs.ContainerImage.fromRegistry / fromEcrRepository)`,
  );
}

/** The gateway's image as a container asset for linux/arm64 (the endpoint's tasks are ARM64). */
export function gatewayImageAsset(from: string): ecs.ContainerImage {
  const source = gatewayImageSource(from);
  return ecs.ContainerImage.fromAsset(source.directory, {
    file: source.file,
    ...(source.exclude === undefined ? {} : { exclude: [...source.exclude] }),
    platform: Platform.LINUX_ARM64,
  });
}

/** The nearest folder at or above `dir` whose package.json is serverless-namesrv's. */
function packageRootOf(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const manifest = join(current, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "serverless-namesrv")
          return current;
      } catch {
        // not a readable manifest: keep looking upwards
      }
    }
    if (dirname(current) === current) return undefined;
  }
}
