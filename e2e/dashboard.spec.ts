import { expect, test } from "./support/journey";
import { DashboardPage } from "./pages/dashboard-page";
import { signInAsGuest } from "./support/auth-pages";
import { fromTheAppPage } from "./support/app-origin";

test.describe("the dashboard", () => {
  test("a person creates an agent from a template, edits, duplicates and deletes it", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await expect(dashboard.emptyState()).toBeVisible();
    await page.screenshot({ path: "test-results/screenshots/dashboard-empty.png", fullPage: true });

    await dashboard.createFromTemplate("Chart maker");
    const chartMaker = dashboard.card("Chart maker");
    await expect(chartMaker.getByTestId("agent-status")).toHaveText("Ready");
    await expect(chartMaker).toContainText("Active just now");
    const chartMakerId = await chartMaker.getAttribute("data-agent-id");
    await expect(chartMaker.getByRole("link", { name: "Open chat" })).toHaveAttribute("href", `/agents/${chartMakerId}`);

    await dashboard.createFromTemplate("Python tutor");
    await expect(dashboard.cards()).toHaveCount(2);

    await dashboard.edit("Chart maker", { name: "Quarterly charts", description: "Charts for the quarterly sales review." });
    const renamed = dashboard.card("Quarterly charts");
    await expect(renamed).toContainText("Charts for the quarterly sales review.");
    await expect(dashboard.notice()).toContainText("Saved “Quarterly charts”.");
    await expect(dashboard.card("Chart maker")).toHaveCount(0);

    await dashboard.duplicate("Quarterly charts");
    await expect(dashboard.card("Quarterly charts (copy)")).toBeVisible();
    await expect(dashboard.card("Quarterly charts (copy)")).toContainText("Charts for the quarterly sales review.");
    // A copy says so; the original does not.
    await expect(dashboard.card("Quarterly charts (copy)").getByTestId("agent-copy-note")).toHaveText("A copy: changing it leaves the original alone");
    await expect(dashboard.card("Quarterly charts").getByTestId("agent-copy-note")).toHaveCount(0);
    await expect(dashboard.cards()).toHaveCount(3);

    await dashboard.search("tutor");
    await expect(dashboard.cards()).toHaveCount(1);
    await expect(dashboard.card("Python tutor")).toBeVisible();
    await dashboard.search("no agent is called this");
    await expect(page.getByRole("heading", { name: "No agents match “no agent is called this”" })).toBeVisible();
    await page.getByRole("button", { name: "Clear search" }).click();
    await expect(dashboard.cards()).toHaveCount(3);

    await dashboard.askToDelete("Quarterly charts (copy)");
    await dashboard.keepAgent();
    await expect(dashboard.cards()).toHaveCount(3);
    await dashboard.askToDelete("Quarterly charts (copy)");
    await dashboard.confirmDelete();
    await expect(dashboard.card("Quarterly charts (copy)")).toHaveCount(0);
    await expect(dashboard.notice()).toContainText("Deleted “Quarterly charts (copy)”.");

    // Everything above was stored: a fresh load shows the same agents.
    await page.reload();
    await expect(dashboard.cards()).toHaveCount(2);
    await expect(dashboard.card("Quarterly charts")).toBeVisible();
    await expect(dashboard.card("Python tutor")).toBeVisible();
  });

  test("choosing a template opens the new agent's chat, ready to talk; its card waits on the dashboard", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await expect(dashboard.emptyState()).toBeVisible();
    await page.getByRole("button", { name: "Chart maker", exact: true }).click();

    await expect(page).toHaveURL(/\/agents\/[A-Za-z0-9_-]+$/);
    await expect(page.getByTestId("agent-name")).toHaveText("Chart maker");
    await expect(page.getByRole("list", { name: "Suggested prompts" })).toBeVisible();
    await expect(page.getByLabel("Message the agent")).toBeEditable();
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
    const agentId = new URL(page.url()).pathname.split("/")[2];

    await page.getByRole("link", { name: "AgentDesk" }).click();
    await expect(dashboard.card("Chart maker")).toHaveAttribute("data-agent-id", agentId!);
  });

  test("the same template twice gives two agents that can be told apart", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Python tutor");
    await dashboard.createFromTemplate("Python tutor", "Python tutor 2");
    await expect(dashboard.card("Python tutor")).toHaveCount(1);
  });

  test("a blank agent needs a name, and an edit made elsewhere meanwhile is not overwritten", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Data cleaner");

    await page.getByRole("button", { name: "New agent" }).click();
    await dashboard.dialog().getByRole("button", { name: "Blank agent" }).click();
    await dashboard.dialog().getByRole("button", { name: "Create agent" }).click();
    await expect(dashboard.dialog()).toContainText("The name must not be empty.");
    await dashboard.fillAgentForm({ name: "Budget checker", instructions: "Check the monthly budget sheet for overspending." });
    await dashboard.dialog().getByRole("button", { name: "Create agent" }).click();
    // A blank agent opens its chat too.
    await dashboard.expectChatOf("Budget checker");
    await dashboard.backFromChat();
    await expect(dashboard.card("Budget checker")).toContainText("No description yet");

    // Another tab renames the agent while this one has the edit dialog open.
    await dashboard.openEdit("Data cleaner");
    await page.screenshot({ path: "test-results/screenshots/dashboard-edit.png" });
    const id = await dashboard.card("Data cleaner").getAttribute("data-agent-id");
    const elsewhere = await page.request.patch(`/api/agents/${id}`, { data: { name: "CRM cleaner", expectedVersion: 1 }, headers: fromTheAppPage(page) });
    expect(elsewhere.status()).toBe(200);

    await dashboard.fillAgentForm({ description: "Cleans the CRM export." });
    await dashboard.saveEdit();
    await expect(dashboard.dialog().getByRole("alert")).toContainText("changed somewhere else");
    await dashboard.dialog().getByRole("button", { name: "Load the latest version" }).click();
    await expect(dashboard.dialog().getByLabel("Name")).toHaveValue("CRM cleaner");
    await dashboard.fillAgentForm({ description: "Cleans the CRM export." });
    await dashboard.saveEdit();
    await expect(dashboard.dialog()).toBeHidden();
    await expect(dashboard.card("CRM cleaner")).toContainText("Cleans the CRM export.");
  });

  test("right after sign-in the first paint shows the person's agents, and no “Connecting” while the socket simply starts", async ({ page, browser }) => {
    await signInAsGuest(page);
    for (const templateId of ["chart-maker", "python-tutor"]) {
      const created = await page.request.post("/api/agents", { data: { templateId }, headers: fromTheAppPage(page) });
      expect(created.status()).toBe(201);
    }

    // What the server paints, before any script runs: the cards themselves, not placeholders.
    const firstPaint = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
    try {
      const painted = await firstPaint.newPage();
      await painted.goto(new URL("/", page.url()).href);
      const dashboard = new DashboardPage(painted);
      await expect(dashboard.cards()).toHaveCount(2);
      await expect(dashboard.card("Chart maker")).toContainText("Ready");
      await expect(dashboard.card("Python tutor")).toBeVisible();
      await expect(painted.getByText("Loading your agents…")).toHaveCount(0);
      // Without scripts it never connects: after a second the status says so.
      await expect(painted.getByTestId("connection-status")).toBeVisible();
      await expect(painted.getByTestId("connection-status")).toHaveText("Connecting");
    } finally {
      await firstPaint.close();
    }

    // With scripts: every word the connection status shows (innerText: only what is visible), and
    // when (ms since the page began).
    await page.addInitScript(() => {
      const seen: { text: string; at: number }[] = [];
      (window as unknown as { connectionWords: typeof seen }).connectionWords = seen;
      const look = () => {
        const text = document.querySelector<HTMLElement>('[data-testid="connection-status"]')?.innerText.trim() ?? "";
        if (text && seen.at(-1)?.text !== text) seen.push({ text, at: Math.round(performance.now()) });
        requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    });
    await page.goto("/");
    await expect(page.getByTestId("connection-status")).toHaveText("Connected");
    const words = await page.evaluate(() => (window as unknown as { connectionWords: { text: string; at: number }[] }).connectionWords);
    // "Connecting" is fair only once connecting has taken a while.
    expect(words.filter((word) => word.text === "Connecting" && word.at < 1_000)).toEqual([]);
  });

  test("the dashboard with a few agents, at desktop and phone width", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    for (const templateId of ["spreadsheet-analyst", "web-page-summarizer", "excel-report-builder", "python-tutor", "survey-results-analyst"]) {
      const created = await page.request.post("/api/agents", { data: { templateId }, headers: fromTheAppPage(page) });
      expect(created.status()).toBe(201);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await dashboard.goto();
    await expect(dashboard.cards()).toHaveCount(5);
    await page.screenshot({ path: "test-results/screenshots/dashboard.png", fullPage: true });

    await page.getByRole("button", { name: "New agent" }).click();
    await expect(dashboard.dialog().getByRole("button", { name: "Chart maker" })).toBeVisible();
    await page.screenshot({ path: "test-results/screenshots/dashboard-templates.png" });
    await page.keyboard.press("Escape");
    await expect(dashboard.dialog()).toBeHidden();

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: "test-results/screenshots/dashboard-phone.png", fullPage: true });

    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 1280, height: 900 });
    await dashboard.goto();
    await expect(dashboard.cards()).toHaveCount(5);
    await dashboard.openEdit("Python tutor");
    await page.screenshot({ path: "test-results/screenshots/dashboard-dark-edit.png" });
  });
});
