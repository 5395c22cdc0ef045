import { expect, test } from "./support/journey";
import { signInAsGuest } from "./support/auth-pages";

test.describe("application shell", () => {
  test("a person opening / sees the shell and a live connection", async ({ page }) => {
    await signInAsGuest(page);
    await expect(page.getByRole("link", { name: "AgentDesk" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Your agents" })).toBeVisible();

    const connection = page.getByTestId("connection-status");
    await expect(connection).toHaveAttribute("data-status", "connected");
    await expect(connection).toHaveText("Connected");
    await page.screenshot({ path: "test-results/screenshots/app-shell.png", fullPage: true });
  });

  test("no page asks for something that is not there (no 404 in the console)", async ({ page }) => {
    const missing: string[] = [];
    page.on("response", (response) => {
      if (response.status() === 404) missing.push(response.url());
    });
    await signInAsGuest(page);
    await expect(page.getByRole("heading", { name: "Your agents" })).toBeVisible();
    await page.goto("/sign-in");
    await page.goto("/");
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
    // The tab's icon is declared, so the browser does not go looking for /favicon.ico.
    await expect(page.locator('head link[rel="icon"]').first()).toHaveAttribute("href", /icon/);
    await page.waitForLoadState("networkidle");
    expect(missing).toEqual([]);
  });

  test("the connection state shows reconnecting when the network drops and recovers by itself", async ({ page, context }) => {
    await signInAsGuest(page);
    const connection = page.getByTestId("connection-status");
    await expect(connection).toHaveAttribute("data-status", "connected");

    await context.setOffline(true);
    await page.evaluate(() => window.dispatchEvent(new Event("offline")));
    await expect(connection).not.toHaveAttribute("data-status", "connected");

    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event("online")));
    await expect(connection).toHaveAttribute("data-status", "connected");
  });

  test("offline demo mode is said plainly when no model credentials are configured", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByTestId("offline-demo-banner")).toContainText("Offline demo mode");
    // Said for the person reading it, not for whoever configures the server.
    await expect(page.getByTestId("offline-demo-banner")).not.toContainText("ANTHROPIC_API_KEY");
  });
});
