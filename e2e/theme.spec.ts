import { expect, test, type Page } from "./support/journey";
import { signInAsGuest } from "./support/auth-pages";

/** The header's light/dark switch. */
class ThemeToggle {
  constructor(private readonly page: Page) {}

  toDark() {
    return this.page.getByRole("button", { name: "Switch to dark theme" });
  }

  toLight() {
    return this.page.getByRole("button", { name: "Switch to light theme" });
  }
}

// Start from a light system preference so the first click always means "go dark".
test.use({ colorScheme: "light" });

test.describe("theme", () => {
  test("a person switches to the dark theme and it stays after a reload", async ({ page }) => {
    await signInAsGuest(page);
    const html = page.locator("html");
    const toggle = new ThemeToggle(page);
    await expect(html).not.toHaveClass(/\bdark\b/);

    await toggle.toDark().click();
    await expect(html).toHaveClass(/\bdark\b/);
    await expect(toggle.toLight()).toBeVisible();
    expect(await page.evaluate(() => localStorage.getItem("theme"))).toBe("dark");

    await page.reload();
    await expect(html).toHaveClass(/\bdark\b/);
    await expect(toggle.toLight()).toBeVisible();
    await expect(page.getByRole("heading", { name: "Your agents" })).toBeVisible();
    await page.screenshot({ path: "test-results/screenshots/dashboard-dark.png", fullPage: true });

    await toggle.toLight().click();
    await expect(html).not.toHaveClass(/\bdark\b/);
    await page.reload();
    await expect(html).not.toHaveClass(/\bdark\b/);
    await expect(toggle.toDark()).toBeVisible();
  });

  test("the toggle is reachable from the keyboard", async ({ page }) => {
    await signInAsGuest(page);
    const toggle = new ThemeToggle(page);
    await toggle.toDark().focus();
    await expect(toggle.toDark()).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.locator("html")).toHaveClass(/\bdark\b/);
    await expect(toggle.toLight()).toBeFocused();
  });
});
