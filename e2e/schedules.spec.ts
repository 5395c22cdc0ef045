import { expect, test } from "./support/journey";
import { AgentChatPage, openNewAgentChat } from "./pages/agent-chat-page";
import { NotificationBell, RunsPanel, SchedulesPanel } from "./pages/agent-panels-page";
import { DashboardPage } from "./pages/dashboard-page";
import { signInAsGuest } from "./support/auth-pages";

test.describe("scheduled runs", () => {
  test("a person schedules a prompt every minute; the platform runs it by itself, notifies them, and the run opens as a conversation", async ({ page }) => {
    // Up to a minute until the slot, then a workspace and a CLI turn on a shared machine.
    test.setTimeout(360_000);
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Python tutor");
    await dashboard.card("Python tutor").getByRole("link").first().click();
    await expect(page).toHaveURL(/\/agents\/[A-Za-z0-9_-]+/);
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");

    const schedules = new SchedulesPanel(page);
    await schedules.open();
    await expect(schedules.panel().getByText("No schedules yet")).toBeVisible();
    await schedules.add({ prompt: "compute the sum of 1 to 100 in Python", cron: "* * * * *" });

    const item = schedules.items().first();
    await expect(schedules.items()).toHaveCount(1);
    await expect(item.getByTestId("schedule-when")).toHaveText(/^Every minute \(.+\)$/);
    await expect(item.getByTestId("schedule-next-run").locator("time")).toBeVisible();
    await expect(item.getByTestId("schedule-last-run")).toHaveText("Not yet");
    await page.screenshot({ path: "test-results/screenshots/schedules.png" });

    // Nobody touches anything now: the scheduler fires at the next minute, the run ends, and the
    // person hears about it through the socket.
    const bell = new NotificationBell(page);
    await expect(bell.toasts().first()).toBeVisible({ timeout: 240_000 });
    await expect(bell.toasts().first()).toContainText("Python tutor");
    await expect(bell.count()).toHaveText(/^[1-9]\d*$/);
    // The run's conversation joins the list on its own.
    const chat = new AgentChatPage(page);
    await expect(chat.conversations().first()).toContainText("compute the sum of 1 to 100 in Python");
    await page.screenshot({ path: "test-results/screenshots/schedule-notification.png" });

    // One run is enough for this journey: stop the minute-by-minute schedule.
    await schedules.turnOff(item);
    await expect(item.getByTestId("schedule-last-run")).toContainText("Finished");

    const runs = new RunsPanel(page);
    await runs.open();
    const run = runs.scheduledRuns().first();
    await expect(run).toBeVisible();
    await expect(run).toHaveAttribute("data-status", "complete");
    await expect(run.getByTestId("run-output")).toContainText("5050");
    await page.screenshot({ path: "test-results/screenshots/runs.png" });

    const list = await bell.open();
    await expect(list.getByTestId("notification-item").first()).toContainText("Python tutor");
    await list.getByRole("button", { name: "Mark all as read" }).click();
    await expect(bell.count()).toBeHidden();
    await page.keyboard.press("Escape");

    // The run opens as a conversation: the scheduled prompt, and the agent's answer.
    await run.getByRole("button").first().click();
    await expect(page).toHaveURL(/\?c=[A-Za-z0-9_-]+$/);
    await expect(chat.messages().getByTestId("user-message").first()).toHaveText("compute the sum of 1 to 100 in Python");
    await expect(chat.lastReply()).toContainText("5050");
    await expect(chat.lastReply()).toHaveAttribute("data-status", "complete");

    // On a phone the panels open over the chat, with a way back to it.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("complementary", { name: "Runs" }).getByRole("button", { name: "Close" }).click();
    await expect(chat.lastReply()).toBeVisible();
    await schedules.open();
    await expect(schedules.items().first().getByTestId("schedule-next-run")).toHaveText("Off");
    await page.screenshot({ path: "test-results/screenshots/schedules-phone.png" });
    await page.getByRole("complementary", { name: "Schedules" }).getByRole("button", { name: "Close" }).click();
    await expect(chat.lastReply()).toBeVisible();
  });

  test("a webhook the platform will not send to is shown as refused, with why, on the run and on its schedule", async ({ page }) => {
    test.setTimeout(240_000);
    await signInAsGuest(page);
    await new DashboardPage(page).openNewFromTemplate("Python tutor");

    // The name does not resolve, so saving accepts it (it may by the time a run ends); the
    // delivery checks again and refuses it.
    const schedules = new SchedulesPanel(page);
    await schedules.open();
    await schedules.add({ prompt: "compute the sum of 1 to 100 in Python", cron: "0 9 * * 1", webhookUrl: "https://hooks.receiver.example/agentdesk" });
    const item = schedules.items().first();
    await item.getByRole("button", { name: "Run now" }).click();
    const chat = new AgentChatPage(page);
    expect(await chat.waitForReply(180_000)).toBe("complete");

    const sentence = /The webhook was not sent: hooks\.receiver\.example does not resolve\. Webhooks only go to public addresses that can be looked up; check the schedule's webhook URL\./;
    const runs = new RunsPanel(page);
    await runs.open();
    const outcome = runs.scheduledRuns().first().getByTestId("webhook-outcome");
    // The delivery settles just after the run; the panel picks it up on its next refresh.
    await expect(outcome).toHaveAttribute("data-outcome", "refused", { timeout: 45_000 });
    await expect(outcome).toContainText("Webhook refused");
    await expect(outcome).toContainText(sentence);
    await page.screenshot({ path: "test-results/screenshots/runs-webhook-refused.png" });

    await schedules.open();
    const onCard = schedules.items().first().getByTestId("webhook-outcome");
    await expect(onCard).toHaveAttribute("data-outcome", "refused", { timeout: 45_000 });
    await expect(onCard).toContainText(sentence);
    await page.screenshot({ path: "test-results/screenshots/schedule-webhook-refused.png" });
  });
});

test.describe("scheduled runs in the conversation list", () => {
  test("the runs of one schedule sit under one entry that opens to list them", async ({ page }) => {
    test.setTimeout(300_000);
    const chat = await openNewAgentChat(page);
    await chat.send("hello");
    await chat.waitForReply();
    await chat.send("compute the sum of 1 to 100 in Python");
    await chat.waitForReply();
    // The Runs panel heads each run with what started it, not with the chat's title ("hello").
    const runsPanel = new RunsPanel(page);
    await runsPanel.open();
    await expect(page.getByTestId("run-item").first().getByRole("button", { name: "compute the sum of 1 to 100 in Python", exact: true })).toBeVisible();

    const schedules = new SchedulesPanel(page);
    await schedules.open();
    const prompt = "compute the sum of 1 to 10 in Python";
    // Once a year: only "Run now" starts it during the journey.
    await schedules.add({ prompt, cron: "0 3 1 1 *" });
    const item = schedules.items().first();
    for (let run = 1; run <= 2; run += 1) {
      await item.getByRole("button", { name: "Run now" }).click();
      await expect(chat.lastReply()).toHaveAttribute("data-status", "complete", { timeout: 120_000 });
      await expect(chat.messages().getByTestId("user-message").first()).toHaveText(prompt);
      // "Last run" follows the run's end by itself, without a reload.
      await expect(item.getByTestId("schedule-last-run")).toContainText("Finished", { timeout: 20_000 });
    }

    const list = page.getByTestId("conversation-list");
    const group = list.getByTestId("schedule-group");
    await expect(group).toHaveCount(1);
    const heading = group.getByRole("button", { name: /Scheduled · 2 runs/ });
    await expect(heading).toContainText(prompt);
    // The run on screen is shown in place; the prompt is said once, by the group.
    await expect(heading).toHaveAttribute("aria-expanded", "true");
    await expect(list.getByText(prompt)).toHaveCount(1);
    const runs = group.getByRole("list", { name: `Runs of ${prompt}` }).getByRole("listitem");
    await expect(runs).toHaveCount(2);
    await heading.click();
    await expect(runs).toHaveCount(0);
    // The chat stays an entry of its own.
    await expect(list.getByRole("button", { name: /hello/ }).first()).toBeVisible();
    await heading.click();
    await runs.last().getByRole("button").first().click();
    await expect(chat.messages().getByTestId("user-message").first()).toHaveText(prompt);
  });
});

test.describe("schedule choices", () => {
  test("every few minutes and every few hours are choices of their own, no cron needed", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Python tutor");
    await dashboard.card("Python tutor").getByRole("link").first().click();
    const schedules = new SchedulesPanel(page);
    await schedules.open();
    const dialog = schedules.dialog();
    for (const [choice, label, every, when] of [
      ["Every few minutes", "Every how many minutes", "10", /^Every 10 minutes \(.+\)$/],
      ["Every few hours", "Every how many hours", "3", /^Every 3 hours at :00 \(.+\)$/],
    ] as const) {
      await schedules.panel().getByRole("button", { name: "Add schedule" }).click();
      await dialog.getByLabel("What the agent should do").fill(`check the inbox (${choice})`);
      await dialog.getByLabel("How often").selectOption({ label: choice });
      await dialog.getByLabel(label).fill(every);
      await dialog.getByRole("button", { name: "Add schedule" }).click();
      await expect(dialog).toBeHidden();
      await expect(schedules.panel().getByRole("article", { name: `Schedule: check the inbox (${choice})` }).getByTestId("schedule-when")).toHaveText(when);
    }
    // Reopened, the schedule shows the same choice.
    await schedules.items().first().getByRole("button", { name: "Edit" }).click();
    await expect(dialog.getByLabel("How often")).toHaveValue(/minutes|hours/);
  });
});
