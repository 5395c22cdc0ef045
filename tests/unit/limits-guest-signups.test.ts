import { describe, expect, it } from "vitest";
import { clientAddressHeader, createGuestSignupGate } from "@/server/limits/guest-signups";

const from = (address: string) => new Headers({ [clientAddressHeader]: address });

describe("guest sign-ups per client address", () => {
  it("allows 30 an hour from one address, then refuses with when to retry and what else to do", async () => {
    const gate = createGuestSignupGate(30);
    for (let i = 0; i < 30; i += 1) await gate.admit(from("198.51.100.1"));
    await expect(gate.admit(from("198.51.100.1"))).rejects.toThrow(/Too many guest sessions .* Try again in (60 minutes|1 minute|\d+ minutes), or sign in with Google\./);
    // Another address is counted on its own.
    await expect(gate.admit(from("198.51.100.2"))).resolves.toBeUndefined();
  });

  it("does not limit a request that did not come through the platform's server (no stamped address)", async () => {
    const gate = createGuestSignupGate(30);
    for (let i = 0; i < 40; i += 1) await gate.admit(new Headers());
    await expect(gate.admit(undefined)).resolves.toBeUndefined();
  });
});
