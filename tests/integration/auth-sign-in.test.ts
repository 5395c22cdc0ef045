import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Auth } from "@auth/core";
import { io as connectClient, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAuthDependencies } from "@/server/auth/auth-dependencies";
import { createSocketAuthenticator, createSocketSessionCheck } from "@/server/auth/socket-authenticator";
import { createSocketServer } from "@/server/socket/socket-server";
import { createAuthOptions } from "@/server/auth/auth-options";
import { resolveRequestUser } from "@/server/auth/request-user";
import { onUserMerged } from "@/server/auth/user-merge-hooks";
import { closePlatformStore, getPlatformStore } from "@/server/store/shared-store";
import type { PlatformStore } from "@/server/store/store";

/*
 * Signing in through Auth.js with the platform's configuration: a guest's cookie is backed by a
 * store GuestSession, so expiry and sign-out are the store's, and a guest who signs in with Google
 * brings their agents along. Auth.js's core runs the requests: next-auth's thin Next wrapper
 * cannot load outside Next's bundler (it imports "next/server" without an extension); the
 * end-to-end tests cover the real route.
 */

function handleAuthRequest(request: Request): Promise<Response> {
  return Auth(request, { ...createAuthOptions(request), basePath: "/api/auth" });
}

const origin = "http://localhost:3000";
let directory: string;
let store: PlatformStore;

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), "auth-sign-in-"));
  Object.assign(process.env, { DATA_DIR: directory, AUTH_SECRET: "integration-test-secret-0123456789abcdef", STORE: "sqlite" });
  store = await getPlatformStore();
});

afterAll(async () => {
  await closePlatformStore();
  rmSync(directory, { recursive: true, force: true });
});

/** A tiny cookie jar: what a browser would send back. */
class Browser {
  private readonly cookies = new Map<string, string>();

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async send(pathname: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers({ cookie: this.cookieHeader() });
    if (init.form) headers.set("content-type", "application/x-www-form-urlencoded");
    const response = await handleAuthRequest(
      new Request(`${origin}${pathname}`, {
        method: init.method ?? "GET",
        headers,
        body: init.form ? new URLSearchParams(init.form).toString() : undefined,
      }),
    );
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const [name = "", ...value] = pair.split("=");
      const cleared = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
      if (cleared) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.join("="));
    }
    return response;
  }

  async csrfToken(): Promise<string> {
    const response = await this.send("/api/auth/csrf");
    return ((await response.json()) as { csrfToken: string }).csrfToken;
  }

  async signInAsGuest(): Promise<Response> {
    return this.send("/api/auth/callback/guest", { method: "POST", form: { csrfToken: await this.csrfToken(), callbackUrl: `${origin}/` } });
  }

  async signOut(): Promise<Response> {
    return this.send("/api/auth/signout", { method: "POST", form: { csrfToken: await this.csrfToken(), callbackUrl: `${origin}/sign-in` } });
  }

  async session(): Promise<{ user: { id: string; type: string; name: string } } | null> {
    const response = await this.send("/api/auth/session");
    return (await response.json()) as { user: { id: string; type: string; name: string } } | null;
  }

  whoAmI() {
    return resolveRequestUser(new Request(`${origin}/api/agents`, { headers: { cookie: this.cookieHeader() } }));
  }
}

describe("guest sign-in through Auth.js", () => {
  it("signs a guest in with a cookie backed by a store guest session", async () => {
    const browser = new Browser();
    const response = await browser.signInAsGuest();
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${origin}/`);

    const session = await browser.session();
    expect(session?.user).toMatchObject({ type: "guest", name: "Guest" });
    const user = await browser.whoAmI();
    expect(user).toMatchObject({ userId: session?.user.id, userType: "guest" });
    const guestSession = await store.findGuestSession(user.guestSessionId ?? "");
    expect(guestSession?.userId).toBe(user.userId);
    expect(Date.parse(guestSession?.expiresAt ?? "") - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
  });

  it("drops the session once the store's guest session is gone, as for expiry", async () => {
    const browser = new Browser();
    await browser.signInAsGuest();
    const { guestSessionId } = await browser.whoAmI();
    await store.deleteGuestSession(guestSessionId ?? "");

    expect(await browser.session()).toBeNull();
    await expect(browser.whoAmI()).rejects.toMatchObject({ code: "unauthorized" });
  });

  it("signing out ends the guest session in the store, so its id stops working as a Bearer token too", async () => {
    const browser = new Browser();
    await browser.signInAsGuest();
    const { guestSessionId } = await browser.whoAmI();
    const staleCookie = browser.cookieHeader();

    await browser.signOut();
    expect(await browser.session()).toBeNull();
    expect(await store.findGuestSession(guestSessionId ?? "")).toBeNull();
    await expect(resolveRequestUser(new Request(`${origin}/api/agents`, { headers: { cookie: staleCookie } }))).rejects.toMatchObject({
      code: "unauthorized",
    });
  });
});

describe("sockets and sign-out", () => {
  it("signing out disconnects the sockets that sign-in opened, at once, and leaves another person's socket alone", async () => {
    const httpServer = createServer();
    const io = createSocketServer(httpServer, {
      authenticate: createSocketAuthenticator(getAuthDependencies),
      checkSession: createSocketSessionCheck(getAuthDependencies),
      handlers: {
        "platform:ping": (payload) => ({ serverTime: new Date().toISOString(), roundTripStartedAt: payload.sentAt, offlineDemoModel: true }),
        "conversation:send": () => ({ runId: "never" }) as never,
        "conversation:stop": () => null as never,
        "conversation:follow": () => null as never,
        "conversation:unfollow": () => null,
      },
    });
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    const open = (browser: Browser) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connectClient(url, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: browser.cookieHeader() } });
        socket.once("connect", () => resolve(socket));
        socket.once("connect_error", reject);
      });
    try {
      const leaving = new Browser();
      const staying = new Browser();
      await leaving.signInAsGuest();
      await staying.signInAsGuest();
      const [firstTab, secondTab, otherPerson] = await Promise.all([open(leaving), open(leaving), open(staying)]);
      const ended = Promise.all([firstTab, secondTab].map((socket) => new Promise((resolve) => socket.once("disconnect", resolve))));

      await leaving.signOut();
      expect(await ended).toEqual(["io server disconnect", "io server disconnect"]);
      expect(otherPerson.connected).toBe(true);
      expect(await otherPerson.timeout(5_000).emitWithAck("platform:ping", { sentAt: 1 })).toMatchObject({ ok: true });
      otherPerson.disconnect();
    } finally {
      await new Promise<void>((resolve) => io.close(() => resolve()));
    }
  });
});

describe("a guest signing in with Google", () => {
  async function signInWithGoogle(cookie: string, email: string, name: string) {
    const options = createAuthOptions(new Request(`${origin}/api/auth/callback/google`, { headers: { cookie } }));
    return options.callbacks?.jwt?.({
      token: { name, email, sub: "google-subject" },
      user: { id: "google-subject", name, email },
      account: { provider: "google", type: "oidc", providerAccountId: "google-subject" },
      profile: { sub: "google-subject", email, email_verified: true, name },
      trigger: "signIn",
    });
  }

  it("keeps the guest's agents, ends the guest session and tells the workspace layer", async () => {
    const browser = new Browser();
    await browser.signInAsGuest();
    const guest = await browser.whoAmI();
    const agent = await store.createAgent({ ownerId: guest.userId, name: "Sales summariser", model: "claude-test" });
    const merges: [string, string][] = [];
    const stopListening = onUserMerged((from, to) => {
      merges.push([from, to]);
    });

    try {
      const token = await signInWithGoogle(browser.cookieHeader(), "Grace@Example.test", "Grace Hopper");
      expect(token).toMatchObject({ userType: "google", name: "Grace Hopper", email: "grace@example.test" });
      expect(token).not.toHaveProperty("guestSessionId");
      const account = await store.findUserByEmail("grace@example.test");
      expect(account).toMatchObject({ id: token?.userId, type: "google", name: "Grace Hopper" });

      expect((await store.getAgent(agent.id)).ownerId).toBe(account?.id);
      expect((await store.getUser(guest.userId)).mergedInto).toBe(account?.id);
      expect(await store.findGuestSession(guest.guestSessionId ?? "")).toBeNull();
      expect(merges).toEqual([[guest.userId, account?.id]]);
    } finally {
      stopListening();
    }
  });

  it("signs in to the same account next time, without a guest to merge", async () => {
    const first = await signInWithGoogle("", "linus@example.test", "Linus");
    const second = await signInWithGoogle("", "linus@example.test", "Linus T.");
    expect(second?.userId).toBe(first?.userId);
    expect((await store.getUser(String(second?.userId))).name).toBe("Linus T.");
  });
});
