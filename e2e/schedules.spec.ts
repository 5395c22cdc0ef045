import { expect, test } from "./support/journey";
import { AgentChatPage } from "./pages/agent-chat-page";
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
});
