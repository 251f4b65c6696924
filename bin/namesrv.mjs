#!/usr/bin/env node
// The package's `namesrv` bin: loads tsx from this package (not from the caller's directory), then the
// TypeScript CLI, so that `namesrv` works from anywhere once the package is installed or linked.
import { register } from "tsx/esm/api";

register();
await import("./namesrv.ts");
