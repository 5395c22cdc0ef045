import { expect, test, watchContentSecurityPolicy } from "./support/journey";
import { AgentChatPage } from "./pages/agent-chat-page";
import { DashboardPage } from "./pages/dashboard-page";
import { ShareDialog, SharePage } from "./pages/share-page";
import { SignInPage, signInAsGuest } from "./support/auth-pages";

test.describe("sharing an agent", () => {
  test("an owner shares a conversation by link; a signed-out visitor reads it, makes their own copy, and loses access once revoked", async ({
    page: ownerPage,
    browser,
  }) => {
    test.setTimeout(420_000);
    await ownerPage.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await signInAsGuest(ownerPage);
    const dashboard = new DashboardPage(ownerPage);
    await dashboard.createFromTemplate("Python tutor");
    await dashboard.card("Python tutor").getByRole("link").first().click();
    await expect(ownerPage).toHaveURL(/\/agents\/[A-Za-z0-9_-]+/);
    const ownerAgentId = new URL(ownerPage.url()).pathname.split("/")[2];

    const ownerChat = new AgentChatPage(ownerPage);
    await expect(ownerPage.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
    await ownerChat.send("compute the sum of 1 to 100 in Python");
    expect(await ownerChat.waitForReply(180_000)).toBe("complete");
    await expect(ownerChat.lastReply()).toContainText("5050");

    const sharing = new ShareDialog(ownerPage);
    await sharing.open();
    await sharing.chooseVisibility("Anyone with the link");
    await sharing.chooseConversation("compute the sum of 1 to 100 in Python");
    await sharing.share();
    const link = await sharing.copyLink();
    expect(link).toMatch(/\/share\/[A-Za-z0-9_-]{22}$/);
    await ownerPage.screenshot({ path: "test-results/screenshots/share-dialog.png" });
    await sharing.close();

    // Someone else, signed out, in a browser of their own.
    const visitorContext = await browser.newContext();
    const visitorViolations = await watchContentSecurityPolicy(visitorContext);
    try {
      const visitorPage = await visitorContext.newPage();
      const shared = new SharePage(visitorPage);
      await visitorPage.goto(link);
      await expect(shared.name()).toHaveText("Python tutor");
      await expect(shared.instructions()).toContainText("patient Python tutor");
      await expect(visitorPage.getByTestId("shared-agent-model")).not.toBeEmpty();
      await expect(shared.transcript().getByTestId("user-message")).toHaveText("compute the sum of 1 to 100 in Python");
      await expect(shared.transcript().getByTestId("tool-call").first()).toHaveAttribute("data-state", "done");
      await expect(shared.transcript().getByTestId("assistant-message")).toContainText("5050");
      await visitorPage.screenshot({ path: "test-results/screenshots/share.png", fullPage: true });

      await shared.useAgent();
      await new SignInPage(visitorPage).continueAsGuest();
      await expect(visitorPage).toHaveURL(`${link}?use=1`);
      await expect(visitorPage.getByTestId("share-signed-in-notice")).toContainText("You’re signed in");
      await shared.useAgent();

      await expect(visitorPage).toHaveURL(/\/agents\/[A-Za-z0-9_-]+$/);
      const copyId = new URL(visitorPage.url()).pathname.split("/")[2];
      expect(copyId).not.toBe(ownerAgentId);
      const visitorChat = new AgentChatPage(visitorPage);
      await expect(visitorPage.getByTestId("agent-name")).toHaveText("Python tutor");
      // A copy of the setup only: the owner's conversation stays theirs.
      await expect(visitorChat.assistantMessages()).toHaveCount(0);
      await expect(visitorPage.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
      await visitorChat.send("compute the sum of 1 to 100 in Python");
      expect(await visitorChat.waitForReply(180_000)).toBe("complete");
      await expect(visitorChat.lastReply()).toContainText("5050");

      // The visitor keeps the page open; the owner revokes; the next load finds nothing.
      await visitorPage.goto(link);
      await expect(shared.name()).toHaveText("Python tutor");
      await sharing.open();
      await sharing.revoke();
      const reloaded = await visitorPage.reload();
      expect(reloaded?.status()).toBe(404);
      await expect(shared.revokedNotice()).toBeVisible();
      await expect(shared.name()).toHaveCount(0);
      await visitorPage.screenshot({ path: "test-results/screenshots/share-revoked.png", fullPage: true });
      expect(visitorViolations, "Content-Security-Policy violations").toEqual([]);
    } finally {
      await visitorContext.close();
    }
  });

  test("a signed-out visitor sees the charts of a shared conversation inline, and they stop loading once the link is revoked", async ({ page: ownerPage, browser }) => {
    test.setTimeout(300_000);
    await signInAsGuest(ownerPage);
    await new DashboardPage(ownerPage).openNewFromTemplate("Chart maker");
    const ownerChat = new AgentChatPage(ownerPage);
    await ownerChat.send("make a chart of monthly sales");
    expect(await ownerChat.waitForReply(180_000)).toBe("complete");
    await expect(ownerChat.lastReply().getByRole("img", { name: /chart\.png/ })).toBeVisible();

    const sharing = new ShareDialog(ownerPage);
    await sharing.open();
    await sharing.chooseVisibility("Anyone with the link");
    await sharing.chooseConversation("make a chart of monthly sales");
    await sharing.share();
    const link = await sharing.link().inputValue();
    await sharing.close();

    const visitorContext = await browser.newContext();
    const visitorViolations = await watchContentSecurityPolicy(visitorContext);
    try {
      const visitorPage = await visitorContext.newPage();
      await visitorPage.goto(link);
      const chart = new SharePage(visitorPage).transcript().getByRole("img", { name: /chart\.png/ });
      await expect(chart).toBeVisible();
      // Loaded and decoded: the picture itself arrived, by the link's own address, not the owner's.
      await expect.poll(() => chart.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
      const source = new URL((await chart.getAttribute("src"))!, link);
      expect(source.pathname).toMatch(/^\/api\/share\/[A-Za-z0-9_-]{22}\/files\/content$/);
      await visitorPage.screenshot({ path: "test-results/screenshots/share-chart.png", fullPage: true });

      // Only what the conversation shows, and nothing outside the agent's folder.
      const other = new URL(source);
      other.searchParams.set("path", "../chart.png");
      expect((await visitorPage.request.get(other.href)).status()).toBe(400);

      await sharing.open();
      await sharing.revoke();
      expect((await visitorPage.request.get(source.href)).status()).toBe(404);
      expect(visitorViolations, "Content-Security-Policy violations").toEqual([]);
    } finally {
      await visitorContext.close();
    }
  });
});
