import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { routes } from "../../lib/http/routes";

const documentPath = new URL("../../openapi/openapi.yaml", import.meta.url);
const document = parse(readFileSync(documentPath, "utf8")) as {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[] } | unknown>>;
  security: unknown[];
};
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

describe("openapi/openapi.yaml and the route table", () => {
  it("is an OpenAPI 3.1 document", () => {
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it("lists exactly the (method, path) pairs of the route table", () => {
    const documented = Object.entries(document.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => METHODS.includes(key))
          .map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    const served = routes.map((route) => `${route.method} ${route.path}`).sort();
    expect(documented).toEqual(served);
  });

  it("requires credentials everywhere but on public routes", () => {
    expect(document.security.length).toBeGreaterThan(0);
    for (const route of routes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as { security?: unknown[] };
      if (route.access === "public") {
        expect(operation.security, route.id).toEqual([]);
      } else {
        expect(operation.security, route.id).toBeUndefined();
      }
    }
  });
});
