import { describe, expect, it } from "vitest";
import { checkBearerToken, tokenMatches } from "../../lib/http/bearer-token";
import { statusOf, UnauthorizedError } from "../../lib/http/errors";

describe("local bearer-token check", () => {
  const token = "s3cret-token";

  it("lets everything through when token mode is off", () => {
    expect(() => checkBearerToken("write", undefined, undefined)).not.toThrow();
  });

  it("never asks /health (public) for a token", () => {
    expect(() => checkBearerToken("public", undefined, token)).not.toThrow();
  });

  it.each([["read"], ["write"]] as const)("asks %s routes for the token", (access) => {
    expect(() => checkBearerToken(access, undefined, token)).toThrow(UnauthorizedError);
    expect(() => checkBearerToken(access, "Bearer wrong", token)).toThrow(UnauthorizedError);
    expect(() => checkBearerToken(access, `Basic ${token}`, token)).toThrow(UnauthorizedError);
    expect(() => checkBearerToken(access, `Bearer ${token}x`, token)).toThrow(UnauthorizedError);
    expect(() => checkBearerToken(access, `Bearer ${token}`, token)).not.toThrow();
    expect(() => checkBearerToken(access, `bearer ${token}`, token)).not.toThrow();
  });

  it("the 401 has the UNAUTHORIZED code", () => {
    try {
      checkBearerToken("write", "Bearer nope", token);
      expect.unreachable();
    } catch (error) {
      expect(statusOf(error as UnauthorizedError)).toBe(401);
      expect((error as UnauthorizedError).code).toBe("UNAUTHORIZED");
    }
  });

  it("compares in constant time whatever the lengths", () => {
    expect(tokenMatches("a", "a")).toBe(true);
    expect(tokenMatches("a", "ab")).toBe(false);
    expect(tokenMatches("", "a")).toBe(false);
  });
});
