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
  });
});
