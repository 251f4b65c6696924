/**
 * What `cdk destroy` leaves behind, as README and docs/deploy.md say: the table (by default) and every
 * log group. If the stack ever changes that, this fails and the tear-down docs must change with it.
 */
import { describe, expect, it } from "vitest";
import { synthNameServer } from "./synth";

describe("cdk destroy", () => {
  it("keeps every log group and, by default, the table", () => {
    const { template } = synthNameServer();
    const logGroups = template.findResources("AWS::Logs::LogGroup");
    expect(Object.keys(logGroups).length).toBeGreaterThan(3);
    for (const [id, resource] of Object.entries(logGroups)) {
      expect(resource.DeletionPolicy, id).toBe("Retain");
    }
    const tables = Object.values(template.findResources("AWS::DynamoDB::Table"));
    expect(tables.map((t) => t.DeletionPolicy)).toEqual(["Retain"]);
  });
});
