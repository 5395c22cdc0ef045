import { describe, expect, it } from "vitest";
import { clientAddressOf } from "@/server/http/client-address";

const request = (peer: string, forwardedFor?: string) => ({
  socket: { remoteAddress: peer } as never,
  headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
});

describe("the client address behind a load balancer", () => {
  it("is the socket's peer when no proxy is trusted, whatever the client sends", () => {
    expect(clientAddressOf(request("203.0.113.9", "198.51.100.1"), 0)).toBe("203.0.113.9");
  });

  it("is what the trusted proxy saw, not what the client wrote further left", () => {
    // The client forged "10.0.0.1"; nginx appended the address it really saw.
    expect(clientAddressOf(request("127.0.0.1", "10.0.0.1, 198.51.100.7"), 1)).toBe("198.51.100.7");
    expect(clientAddressOf(request("127.0.0.1", "198.51.100.7"), 1)).toBe("198.51.100.7");
  });

  it("counts hops from the right through two trusted proxies, and falls back to the peer without a header", () => {
    expect(clientAddressOf(request("10.1.1.1", "198.51.100.7, 10.2.2.2"), 2)).toBe("198.51.100.7");
    expect(clientAddressOf(request("127.0.0.1"), 1)).toBe("127.0.0.1");
  });
});
