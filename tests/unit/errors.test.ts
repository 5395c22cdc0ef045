import { describe, expect, it } from "vitest";
import { AppError, toErrorPayload } from "../../lib/errors";

describe("AppError", () => {
  it("is recognised across module copies, as between the custom server and route handlers", () => {
    const brandedElsewhere = Object.assign(new Error("Not yours."), { code: "not_found", [Symbol.for("agent-platform.AppError")]: true });
    expect(brandedElsewhere instanceof AppError).toBe(true);
    expect(toErrorPayload(brandedElsewhere)).toEqual({ code: "not_found", message: "Not yours." });
  });

  it("does not mistake a plain error for one, and hides its message", () => {
    const plain = new Error("SQLITE_CORRUPT at /var/data");
    expect(plain instanceof AppError).toBe(false);
    expect(toErrorPayload(plain).code).toBe("internal");
    expect(toErrorPayload(plain).message).not.toContain("SQLITE");
  });
});
