import { expect, type Locator, type Page } from "@playwright/test";

/** Opens one of the panels beside an agent's chat: Files, Schedules, Runs, Versions. */
async function openPanel(page: Page, label: "Schedules" | "Runs" | "Versions"): Promise<Locator> {
  const button = page.getByRole("navigation", { name: "Agent panels" }).getByRole("button", { name: label, exact: true });
  if ((await button.getAttribute("aria-pressed")) !== "true") await button.click();
  const panel = page.getByRole("complementary", { name: label });
  await expect(panel.getByRole("heading", { name: label, exact: true })).toBeVisible();
  return panel;
}

export interface NewSchedule {
  prompt: string;
  /** A custom cron expression; the friendly presets are left to unit tests. */
  cron: string;
  webhookUrl?: string;
}

/** What a person does in the Schedules panel and its dialog. */
export class SchedulesPanel {
  constructor(private readonly page: Page) {}

  async open(): Promise<Locator> {
    return openPanel(this.page, "Schedules");
  }

  panel(): Locator {
    return this.page.getByTestId("schedules-panel");
  }

  items(): Locator {
    return this.panel().getByTestId("schedule-item");
  }

  dialog(): Locator {
    return this.page.getByRole("dialog");
  }

  async add(schedule: NewSchedule): Promise<void> {
    await this.panel().getByRole("button", { name: "Add schedule" }).click();
    await expect(this.dialog().getByRole("heading", { name: "Add a schedule" })).toBeVisible();
    await this.dialog().getByLabel("What the agent should do").fill(schedule.prompt);
    await this.dialog().getByLabel("How often").selectOption("custom");
    await this.dialog().getByLabel("Cron expression").fill(schedule.cron);
    if (schedule.webhookUrl) await this.dialog().getByLabel("Webhook (optional)").fill(schedule.webhookUrl);
    await this.dialog().getByRole("button", { name: "Add schedule" }).click();
    await expect(this.dialog()).toBeHidden();
  }

  async turnOff(item: Locator): Promise<void> {
    const toggle = item.getByRole("switch", { name: /^Run “.*” on schedule$/ });
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-checked", "false");
  }
}

/** The Runs panel: each run, opened as its conversation. */
export class RunsPanel {
  constructor(private readonly page: Page) {}

  async open(): Promise<Locator> {
    return openPanel(this.page, "Runs");
  }

  items(): Locator {
    return this.page.getByTestId("runs-panel").getByTestId("run-item");
  }

  scheduledRuns(): Locator {
    return this.items().and(this.page.locator('[data-trigger="schedule"]'));
  }
}

/** The Versions panel: the list, comparing two, restoring one. */
export class VersionsPanel {
  constructor(private readonly page: Page) {}

  async open(): Promise<Locator> {
    return openPanel(this.page, "Versions");
  }

  items(): Locator {
    return this.page.getByTestId("versions-panel").getByTestId("version-item");
  }

  item(version: number): Locator {
    return this.page.getByTestId("versions-panel").locator(`[data-testid="version-item"][data-version="${version}"]`);
  }

  dialog(): Locator {
    return this.page.getByRole("dialog");
  }

  async compare(older: number, newer: number): Promise<Locator> {
    await this.item(older).getByRole("checkbox").check();
    await this.item(newer).getByRole("checkbox").check();
    await this.page.getByTestId("versions-panel").getByRole("button", { name: "Compare" }).click();
    await expect(this.dialog().getByRole("heading", { name: `Changes from version ${older} to version ${newer}` })).toBeVisible();
    return this.dialog().getByTestId("version-diff");
  }

  async closeDialog(): Promise<void> {
    await this.dialog().getByRole("button", { name: "Close" }).click();
    await expect(this.dialog()).toBeHidden();
  }

  async restore(version: number): Promise<void> {
    await this.item(version).getByRole("button", { name: "Restore this version" }).click();
    await this.dialog().getByRole("button", { name: `Restore version ${version}` }).click();
    await expect(this.dialog()).toBeHidden();
  }

  notice(): Locator {
    return this.page.getByTestId("versions-notice");
  }
}

/** The bell in the header, and the toasts that pop up as runs end. */
export class NotificationBell {
  constructor(private readonly page: Page) {}

  bell(): Locator {
    return this.page.getByTestId("notification-bell");
  }

  count(): Locator {
    return this.page.getByTestId("notification-count");
  }

  toasts(): Locator {
    return this.page.getByTestId("notification-toast");
  }

  async open(): Promise<Locator> {
    await this.bell().click();
    const list = this.page.getByTestId("notification-list");
    await expect(list).toBeVisible();
    return list;
  }
}
