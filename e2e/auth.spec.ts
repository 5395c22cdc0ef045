import { expect, test } from "./support/journey";
import { SignInPage, TestIdentityProviderPages, UserMenu, signInAsGuest } from "./support/auth-pages";
import { fromTheAppPage } from "./support/app-origin";
import { testIdentity } from "./support/oidc-settings";

test.describe("signing in", () => {
  test("a signed-out visitor is sent to sign in with Google and comes back to the page they asked for", async ({ page }) => {
    await page.goto("/?view=recent");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2F%3Fview%3Drecent$/);
    const signIn = new SignInPage(page);
    await signIn.expectShown();
    await page.screenshot({ path: "test-results/screenshots/sign-in.png", fullPage: true });

    await signIn.continueWithGoogle();
    await new TestIdentityProviderPages(page).signInAs(testIdentity.login);

    await expect(page).toHaveURL(/\/\?view=recent$/);
    await expect(new UserMenu(page).name()).toHaveText(testIdentity.name);
    // The socket handshake accepted the same session cookie.
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
    await page.screenshot({ path: "test-results/screenshots/signed-in-with-google.png" });
  });

  test("a guest starts without an account, and signing out ends the session", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in$/);
    await new SignInPage(page).continueAsGuest();

    await expect(page).toHaveURL(/\/$/);
    const menu = new UserMenu(page);
    await expect(menu.name()).toHaveText("Guest");
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");

    await menu.signOut();
    await expect(page).toHaveURL(/\/sign-in$/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in$/);
  });

  test("a guest who signs in with Google keeps the agents they made", async ({ page }) => {
    await signInAsGuest(page);
    const created = await page.request.post("/api/agents", { data: { name: "Sales summariser" }, headers: fromTheAppPage(page) });
    expect(created.status(), await created.text()).toBe(201);

    await new UserMenu(page).keepGuestWork();
    await new SignInPage(page).continueWithGoogle();
    await new TestIdentityProviderPages(page).signInAs("grace");
    await expect(new UserMenu(page).name()).toHaveText("grace");

    const agents = await page.request.get("/api/agents");
    expect(agents.status()).toBe(200);
    const names = ((await agents.json()) as { agents: { name: string }[] }).agents.map((agent) => agent.name);
    expect(names).toContain("Sales summariser");
  });
});

test.describe("the guest API for scripts", () => {
  test("creates a guest session, validates it, and accepts it as a Bearer token", async ({ request }) => {
    const created = await request.post("/api/auth/guest");
    expect(created.status()).toBe(200);
    const session = (await created.json()) as { session_id: string; user_id: string; user_type: string; expires_at: string };
    expect(session.user_type).toBe("guest");
    expect(Date.parse(session.expires_at) - Date.now()).toBeGreaterThan(23 * 60 * 60 * 1000);

    const validated = await request.get(`/api/auth/validate/${session.session_id}`);
    expect(await validated.json()).toMatchObject({ valid: true, user_id: session.user_id, user_type: "guest" });

    const unknown = await request.get("/api/auth/validate/not-a-real-session");
    expect(unknown.status()).toBe(404);
    expect(await unknown.json()).toEqual({ valid: false });

    const agents = await request.get("/api/agents", { headers: { authorization: `Bearer ${session.session_id}` } });
    expect(agents.status()).toBe(200);
    const refused = await request.get("/api/agents", { headers: { authorization: "Bearer not-a-real-session" } });
    expect(refused.status()).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});
