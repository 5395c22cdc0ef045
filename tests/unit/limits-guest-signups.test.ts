import { describe, expect, it } from "vitest";
import { admitGuestSignUp, clientAddressHeader } from "@/server/limits/guest-signups";

const from = (address: string) => new Headers({ [clientAddressHeader]: address });

describe("guest sign-ups per client address", () => {
  it("allows 30 an hour from one address, then refuses with when to retry and what else to do", () => {
    for (let i = 0; i < 30; i += 1) admitGuestSignUp(from("198.51.100.1"));
    expect(() => admitGuestSignUp(from("198.51.100.1"))).toThrow(/Too many guest sessions .* Try again in (60 minutes|1 minute|\d+ minutes), or sign in with Google\./);
    // Another address is counted on its own.
    expect(() => admitGuestSignUp(from("198.51.100.2"))).not.toThrow();
  });

  it("does not limit a request that did not come through the platform's server (no stamped address)", () => {
    for (let i = 0; i < 40; i += 1) admitGuestSignUp(new Headers());
    expect(() => admitGuestSignUp(undefined)).not.toThrow();
  });
});
