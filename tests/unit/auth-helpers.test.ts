import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { safeCallbackUrl, signInUrlFor } from "@/server/auth/callback-url";
import { bearerTokenOf } from "@/server/auth/request-user";
import { guestClaimsExpired, sessionClaimsOf } from "@/server/auth/session-claims";
import { notifyUserMerged, onUserMerged } from "@/server/auth/user-merge-hooks";

describe("safeCallbackUrl", () => {
  it("keeps a path on this site with its query and hash", () => {
    expect(safeCallbackUrl("/agents/abc?tab=files#top")).toBe("/agents/abc?tab=files#top");
  });

  it("reduces other sites and schemes to a path here, never an open redirect", () => {
    expect(safeCallbackUrl("https://evil.example/steal")).toBe("/steal");
    expect(safeCallbackUrl("//evil.example/x")).toBe("/x");
    expect(safeCallbackUrl("/\\evil.example")).toBe("/");
    expect(safeCallbackUrl("javascript:alert(1)")).toBe("/");
  });

  it("never returns to the sign-in page or the auth API, and defaults to /", () => {
    expect(safeCallbackUrl("/sign-in?callbackUrl=/x")).toBe("/");
    expect(safeCallbackUrl("/api/auth/signout")).toBe("/");
    expect(safeCallbackUrl(undefined)).toBe("/");
    expect(safeCallbackUrl(42)).toBe("/");
  });
});

describe("signInUrlFor", () => {
  it("carries where the person was going", () => {
    expect(signInUrlFor("/agents/abc?tab=files")).toBe("/sign-in?callbackUrl=%2Fagents%2Fabc%3Ftab%3Dfiles");
    expect(signInUrlFor("/")).toBe("/sign-in");
  });
});

describe("bearerTokenOf", () => {
  it("reads a Bearer token and ignores an absent header", () => {
    expect(bearerTokenOf("Bearer abc_123")).toBe("abc_123");
    expect(bearerTokenOf("bearer abc")).toBe("abc");
    expect(bearerTokenOf(null)).toBeUndefined();
    expect(bearerTokenOf("  ")).toBeUndefined();
  });

  it("refuses other schemes with a sentence", () => {
    expect(() => bearerTokenOf("Basic dXNlcjpwYXNz")).toThrow(AppError);
    expect(() => bearerTokenOf("Bearer")).toThrow(/must be 'Bearer <session_id>'/);
  });
});

describe("session claims", () => {
  it("accepts a Google user's and a guest's claims, and refuses a guest without a session", () => {
    expect(sessionClaimsOf({ userId: "u1", userType: "google", name: "Ada" })).toEqual({ userId: "u1", userType: "google" });
    expect(sessionClaimsOf({ userId: "g1", userType: "guest", guestSessionId: "s1" })).toMatchObject({ guestSessionId: "s1" });
    expect(sessionClaimsOf({ userId: "g1", userType: "guest" })).toBeNull();
    expect(sessionClaimsOf({ sub: "someone" })).toBeNull();
    expect(sessionClaimsOf(null)).toBeNull();
  });

  it("tells an expired guest apart without asking the store", () => {
    const claims = { userId: "g1", userType: "guest" as const, guestSessionId: "s1", guestExpiresAt: "2030-01-01T00:00:00.000Z" };
    expect(guestClaimsExpired(claims, new Date("2029-12-31T23:59:59Z"))).toBe(false);
    expect(guestClaimsExpired(claims, new Date("2030-01-01T00:00:00Z"))).toBe(true);
    expect(guestClaimsExpired({ userId: "u1", userType: "google" })).toBe(false);
  });
});

describe("user-merged listeners", () => {
  it("are told about every merge, and one failing listener does not stop the others", async () => {
    const heard: string[] = [];
    const stopFailing = onUserMerged(() => {
      throw new Error("volume busy");
    });
    const stopHearing = onUserMerged((from, to) => {
      heard.push(`${from}->${to}`);
    });
    await notifyUserMerged("guest-1", "user-1");
    stopFailing();
    stopHearing();
    await notifyUserMerged("guest-2", "user-2");
    expect(heard).toEqual(["guest-1->user-1"]);
  });
});
