import { readFileSync } from "node:fs";
import { expect, test } from "./support/journey";
import { AgentChatPage } from "./pages/agent-chat-page";
import { DashboardPage } from "./pages/dashboard-page";
import { signInAsGuest } from "./support/auth-pages";

test.describe("chatting with an agent", () => {
  test("a guest makes a chart with a template agent, sees it inline, downloads it, and continues after a reload", async ({ page }) => {
    test.setTimeout(300_000);
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Chart maker");
    await dashboard.card("Chart maker").getByRole("link").first().click();
    await expect(page).toHaveURL(/\/agents\/[A-Za-z0-9_-]+/);

    const chat = new AgentChatPage(page);
    await expect(page.getByTestId("agent-name")).toHaveText("Chart maker");
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");

    // The offline demo model makes the real CLI write a Python script and run it in the container.
    await chat.send("make a chart of monthly sales");
    await expect(page.getByTestId("user-message").last()).toHaveText("make a chart of monthly sales");
    await expect(page.getByTestId("run-indicator")).toBeVisible();
    expect(await chat.waitForReply(180_000)).toBe("complete");
    await expect(page.getByTestId("run-indicator")).toBeHidden();

    await expect(chat.toolCalls()).toHaveCount(2);
    await expect(chat.toolCalls().first()).toHaveAttribute("data-state", "done");
    const chart = chat.lastReply().getByRole("img", { name: /chart\.png/ });
    await expect(chart).toBeVisible();
    // Visible is not yet loaded: wait for the picture itself to arrive and decode.
    await expect.poll(() => chart.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    await expect(chat.lastReply().getByTestId("reply-usage")).toContainText("tokens");
    await expect(chat.lastReply().getByTestId("reply-usage")).toContainText("demo, not billed");
    await expect(chat.lastReply()).not.toContainText("system-reminder");
    await page.screenshot({ path: "test-results/screenshots/chat.png", fullPage: true });

    // The chart is a file in the agent's folder, and downloads as a real PNG.
    await page.getByRole("button", { name: "Files" }).click();
    const filesPanel = page.getByRole("complementary", { name: "Files" });
    await filesPanel.getByRole("button", { name: /chart\.png/ }).click();
    await expect(filesPanel.getByTestId("file-details")).toContainText("chart.png");
    await page.screenshot({ path: "test-results/screenshots/files.png", fullPage: true });
    const downloadStarted = page.waitForEvent("download");
    await filesPanel.getByTestId("file-details").getByRole("link", { name: "Download", exact: true }).click();
    const download = await downloadStarted;
    const bytes = readFileSync((await download.path())!);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    // After a reload the conversation is still there, and continues with its context.
    await page.reload();
    await expect(chat.assistantMessages()).toHaveCount(1);
    await expect(chat.lastReply().getByRole("img", { name: /chart\.png/ })).toBeVisible();
    await expect(chat.conversations()).toHaveCount(1);
    await expect(chat.conversations().first()).toContainText("make a chart of monthly sales");

    await chat.send("compute the sum of 1 to 100 in Python");
    expect(await chat.waitForReply()).toBe("complete");
    await expect(chat.lastReply()).toContainText("5050");
    await chat.send("now only the even numbers");
    expect(await chat.waitForReply()).toBe("complete");
    await expect(chat.lastReply()).toContainText("2550");
  });

  test("Stop ends a long task and the conversation stays usable", async ({ page }) => {
    test.setTimeout(240_000);
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Python tutor");
    await dashboard.card("Python tutor").getByRole("link").first().click();
    const chat = new AgentChatPage(page);
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");

    await chat.send("run a slow long task");
    await expect(chat.toolCalls().first()).toHaveAttribute("data-state", "running", { timeout: 120_000 });
    const stoppedAt = Date.now();
    await page.getByRole("button", { name: "Stop" }).click();
    expect(await chat.waitForReply(30_000)).toBe("interrupted");
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await expect(chat.lastReply()).toContainText("Stopped before the reply was finished");
    // What the CLI tells the model after Stop is not for people: a plain sentence instead.
    await expect(chat.toolCalls().first()).toHaveAttribute("data-state", "stopped");
    await expect(chat.toolCalls().first()).toContainText("Stopped before this step finished.");
    await chat.toolCalls().first().getByRole("button").click();
    await expect(page.getByTestId("message-list")).not.toContainText(/doesn't want to proceed|STOP what you are doing|tool_use_error|\/workspace\/agent-/);
    await expect(chat.toolCalls().first()).not.toContainText("Bash");

    await chat.send("compute the sum of 1 to 100 in Python");
    expect(await chat.waitForReply()).toBe("complete");
    await expect(chat.lastReply()).toContainText("5050");
  });

  test("a reload mid-run shows the run still going, and a second tab follows the same run", async ({ page, context }) => {
    test.setTimeout(240_000);
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Data cleaner");
    await dashboard.card("Data cleaner").getByRole("link").first().click();
    const chat = new AgentChatPage(page);
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");

    await chat.send("run a slow long task");
    await expect(chat.toolCalls().first()).toHaveAttribute("data-state", "running", { timeout: 120_000 });

    const secondTab = await context.newPage();
    await secondTab.goto(page.url());
    const second = new AgentChatPage(secondTab);
    await expect(secondTab.getByTestId("run-indicator")).toBeVisible();
    await expect(second.toolCalls().first()).toHaveAttribute("data-state", "running");

    await page.reload();
    await expect(page.getByTestId("run-indicator")).toBeVisible();
    await expect(chat.toolCalls().first()).toHaveAttribute("data-state", "running");
    await expect(page.getByTestId("user-message")).toHaveCount(1);

    // Stopped from the second tab, both tabs see the same end.
    await secondTab.getByRole("button", { name: "Stop" }).click();
    expect(await second.waitForReply(30_000)).toBe("interrupted");
    expect(await chat.waitForReply(30_000)).toBe("interrupted");
    await expect(page.getByTestId("run-indicator")).toBeHidden();
    await expect(chat.assistantMessages()).toHaveCount(1);
  });
});
