import { expect, test, watchContentSecurityPolicy } from "./support/journey";
import { VersionsPanel } from "./pages/agent-panels-page";
import { DashboardPage } from "./pages/dashboard-page";
import { ShareDialog, SharePage } from "./pages/share-page";
import { signInAsGuest } from "./support/auth-pages";

const first = "First instructions: answer in one short sentence.";
const second = "Second instructions: answer with a bulleted list.";
const third = "Third instructions: answer in French.";

test.describe("agent versions", () => {
  test("a person edits an agent twice, compares versions, restores the first, and pins a version on the share link", async ({ page, browser }) => {
    test.setTimeout(180_000);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.waitForAgents();
    // A fresh guest has no agents: the blank agent is offered beside the templates.
    await page.getByRole("button", { name: "Blank agent", exact: true }).click();
    await expect(dashboard.dialog().getByRole("heading", { name: "Create a blank agent" })).toBeVisible();
    await dashboard.fillAgentForm({ name: "Versioned helper", instructions: first });
    await dashboard.dialog().getByRole("button", { name: "Create agent" }).click();
    await dashboard.expectChatOf("Versioned helper");
    await dashboard.backFromChat();
    await expect(dashboard.card("Versioned helper")).toBeVisible();
    await dashboard.edit("Versioned helper", { instructions: second });
    await dashboard.edit("Versioned helper", { instructions: third });

    await dashboard.card("Versioned helper").getByRole("link").first().click();
    await expect(page).toHaveURL(/\/agents\/[A-Za-z0-9_-]+/);

    const versions = new VersionsPanel(page);
    await versions.open();
    await expect(versions.items()).toHaveCount(3);
    await expect(versions.item(3)).toContainText("Current");
    await expect(versions.item(1)).toContainText("By you");

    const diff = await versions.compare(1, 3);
    await expect(diff.locator('[data-change="removed"]', { hasText: first })).toHaveCount(1);
    await expect(diff.locator('[data-change="added"]', { hasText: third })).toHaveCount(1);
    await expect(diff.locator("[data-change]", { hasText: second })).toHaveCount(0);
    await page.screenshot({ path: "test-results/screenshots/version-diff.png" });
    await versions.closeDialog();

    await versions.restore(1);
    await expect(versions.notice()).toContainText("Restored version 1. It is now version 4");
    await expect(versions.items()).toHaveCount(4);
    await expect(versions.item(4)).toContainText("Current");

    // The restored instructions are what the edit form shows now.
    await dashboard.goto();
    await dashboard.openEdit("Versioned helper");
    await expect(dashboard.dialog().getByLabel("Instructions")).toHaveValue(first);
    await dashboard.dialog().getByRole("button", { name: "Cancel" }).click();
    await expect(dashboard.dialog()).toBeHidden();

    // Share the link pinned to version 2: visitors see those instructions, not the current ones.
    await dashboard.card("Versioned helper").getByRole("link").first().click();
    const sharing = new ShareDialog(page);
    await sharing.open();
    await sharing.chooseVisibility("Anyone with the link");
    const versionSelect = sharing.dialog().getByLabel("Version shown");
    await versionSelect.selectOption("2");
    await sharing.share();
    const link = await sharing.copyLink();
    await sharing.close();

    const visitorContext = await browser.newContext();
    const visitorViolations = await watchContentSecurityPolicy(visitorContext);
    try {
      const visitorPage = await visitorContext.newPage();
      const shared = new SharePage(visitorPage);
      await visitorPage.goto(link);
      await expect(shared.name()).toHaveText("Versioned helper");
      await expect(shared.instructions()).toContainText(second);
      await expect(visitorPage.getByTestId("shared-agent-version")).toHaveText("Version 2");
      await expect(shared.instructions()).not.toContainText(first);
      await visitorPage.screenshot({ path: "test-results/screenshots/share-pinned.png", fullPage: true });
      expect(visitorViolations, "Content-Security-Policy violations").toEqual([]);
    } finally {
      await visitorContext.close();
    }

    // The dialog opens on the pin it saved.
    await sharing.open();
    await expect(sharing.dialog().getByLabel("Version shown")).toHaveValue("2");
  });
});
