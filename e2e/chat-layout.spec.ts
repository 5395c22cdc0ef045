import { expect, test, type Page } from "./support/journey";
import { openNewAgentChat } from "./pages/agent-chat-page";
import { DashboardPage } from "./pages/dashboard-page";
import { signInAsGuest } from "./support/auth-pages";

const SIZES = [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
  { width: 390, height: 844 },
];

/** The composer's text box and its button lie wholly inside the window, and the page itself does not scroll. */
async function expectComposerOnScreen(page: Page, label: string): Promise<void> {
  const window = page.viewportSize()!;
  for (const part of [page.getByLabel("Message the agent"), page.getByRole("button", { name: /^(Send|Stop)$/ })]) {
    const box = (await part.boundingBox())!;
    expect(box, `${label}: composer shown`).not.toBeNull();
    expect(box.y, `${label}: composer's top inside the window`).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height, `${label}: composer's bottom inside the window`).toBeLessThanOrEqual(window.height);
  }
  const pageHeight = await page.evaluate(() => document.scrollingElement!.scrollHeight);
  expect(pageHeight, `${label}: page no taller than the window`).toBeLessThanOrEqual(window.height);
}

function distanceFromBottom(page: Page): Promise<number> {
  return page.getByTestId("message-list").evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight);
}

test.describe("the chat fits the window", () => {
  test("the composer is fully visible at desktop and phone sizes, with and without the demo banner, and after a reply", async ({ page }) => {
    test.setTimeout(240_000);
    const chat = await openNewAgentChat(page, "Python tutor");
    await expect(page.getByTestId("offline-demo-banner")).toBeVisible();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await expectComposerOnScreen(page, `${size.width}×${size.height} with the banner`);
    }

    // A reply long enough to scroll the messages must not push the composer away either.
    await page.setViewportSize({ width: 390, height: 844 });
    await chat.send("write a long answer");
    expect(await chat.waitForReply()).toBe("complete");
    await expectComposerOnScreen(page, "390×844 after a reply");

    // Reopened, the conversation shows its end (after the reply's markdown has rendered), and
    // someone who scrolls back up has a way down again.
    await page.reload();
    await expect(chat.lastReply()).toHaveAttribute("data-status", "complete");
    await expect.poll(() => distanceFromBottom(page)).toBeLessThanOrEqual(2);
    await chat.messages().evaluate((list) => list.scrollTo({ top: 0 }));
    await page.getByRole("button", { name: "↓ Latest" }).click();
    await expect.poll(() => distanceFromBottom(page)).toBeLessThanOrEqual(2);
    await expect(page.getByRole("button", { name: "↓ Latest" })).toBeHidden();

    // Without the banner (a real model configured) the chat takes the room it leaves.
    // Set through the CSSOM: a <style> tag added by the test would itself be a CSP violation.
    await page.getByTestId("offline-demo-banner").evaluate((banner) => banner.style.setProperty("display", "none", "important"));
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await expectComposerOnScreen(page, `${size.width}×${size.height} without the banner`);
    }
  });
});

test.describe("new conversation", () => {
  test("a message sent right after “+ New conversation” lands in the new conversation, even while it is being created", async ({ page }) => {
    test.setTimeout(240_000);
    const chat = await openNewAgentChat(page, "Python tutor");
    await chat.send("compute the sum of 1 to 100 in Python");
    expect(await chat.waitForReply()).toBe("complete");
    await expect(chat.conversations()).toHaveCount(1);

    // Creating the conversation takes a moment (a slow network): the person types meanwhile.
    await page.route("**/api/agents/*/conversations", async (route) => {
      if (route.request().method() === "POST") await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.getByRole("button", { name: "+ New conversation" }).click();
    await chat.input().fill("now only the even numbers");
    await chat.input().press("Enter");

    await expect(chat.conversations()).toHaveCount(2);
    await expect(page.getByTestId("user-message")).toHaveCount(1);
    await expect(page.getByTestId("user-message")).toHaveText("now only the even numbers");
    await expect(chat.assistantMessages()).toHaveCount(1);
    await expect(chat.lastReply()).not.toHaveAttribute("data-status", "streaming", { timeout: 120_000 });

    // The first conversation kept only its own exchange.
    await page.getByTestId("conversation-list").getByRole("button", { name: /^compute the sum of 1 to 100 in Python/ }).click();
    await expect(page.getByTestId("user-message")).toHaveCount(1);
    await expect(page.getByTestId("user-message")).toHaveText("compute the sum of 1 to 100 in Python");
  });
});

test.describe("the agent page's header and address", () => {
  test("an unknown agent's address says so and leads back, with no composer", async ({ page }) => {
    await signInAsGuest(page);
    await page.goto("/agents/no-such-agent-123");
    await expect(page.getByRole("heading", { name: "This agent isn't here" })).toBeVisible();
    await expect(page.getByLabel("Message the agent")).toHaveCount(0);
    await expect(page.getByText("This no longer exists")).toHaveCount(0);
    await page.getByRole("link", { name: "Back to your agents" }).click();
    await expect(page.getByRole("heading", { name: "Your agents" })).toBeVisible();
  });

  test("the header never shows a stand-in name while the agent loads", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Python tutor");
    const href = (await dashboard.card("Python tutor").getByRole("link").first().getAttribute("href"))!;
    await page.route(/\/api\/agents\/[^/]+$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await route.continue();
    });
    await page.goto(href);
    await expect(page.getByTestId("agent-name")).toHaveAttribute("aria-busy", "true");
    await expect(page.getByTestId("agent-name")).toHaveText("");
    await expect(page.getByTestId("agent-name")).toHaveText("Python tutor");
  });
});

test.describe("an empty chat", () => {
  test("offers the template's suggested prompts, and one click sends one", async ({ page }) => {
    test.setTimeout(180_000);
    const chat = await openNewAgentChat(page, "Python tutor");
    const suggestions = page.getByRole("list", { name: "Suggested prompts" });
    await suggestions.getByRole("button", { name: "compute the sum of 1 to 100 in Python" }).click();
    await expect(page.getByTestId("user-message")).toHaveText("compute the sum of 1 to 100 in Python");
    await expect(chat.assistantMessages()).toHaveCount(1);
    await expect(chat.lastReply()).toHaveAttribute("data-status", "complete", { timeout: 120_000 });
    await expect(chat.lastReply()).toContainText("5050");
    await expect(suggestions).toBeHidden();
  });
});

test.describe("the conversation list", () => {
  test("titles take the width, times show, and rename and delete are reachable by keyboard and on a phone, with the app's own confirmation", async ({ page }) => {
    test.setTimeout(180_000);
    page.on("dialog", (dialog) => {
      throw new Error(`a browser dialog appeared: ${dialog.message()}`);
    });
    const chat = await openNewAgentChat(page, "Python tutor");
    await chat.send("compute the sum of 1 to 100 in Python");
    expect(await chat.waitForReply()).toBe("complete");
    const item = chat.conversations().first();
    await expect(item.locator("time")).toBeVisible();
    const widths = await item.evaluate((li) => ({ item: li.getBoundingClientRect().width, title: li.querySelector("button")!.getBoundingClientRect().width }));
    expect(widths.title).toBeGreaterThanOrEqual(widths.item - 40);

    // Keyboard: the actions button, then Rename.
    await page.getByRole("button", { name: /^Actions for compute the sum/ }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Rename", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Conversation title").fill("Sums");
    await page.keyboard.press("Enter");
    await expect(item).toContainText("Sums");

    // On a phone (no hover) the same button is there, and deleting asks in the page.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("button", { name: "Chats" }).click();
    await page.getByRole("button", { name: "Actions for Sums" }).last().click();
    await page.getByRole("button", { name: "Delete", exact: true }).last().click();
    await page.getByRole("button", { name: "Delete conversation" }).last().click();
    await expect(page.getByText("No conversations yet.").last()).toBeVisible();
  });
});
