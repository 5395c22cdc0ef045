import { expect, type Locator, type Page } from "@playwright/test";

export interface AgentChanges {
  name?: string;
  description?: string;
  instructions?: string;
}

/** What a person does on the dashboard (/): their agents as cards, and the dialogs that change them. */
export class DashboardPage {
  constructor(private readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto("/");
    await expect(this.page.getByRole("heading", { name: "Your agents" })).toBeVisible();
  }

  cards(): Locator {
    return this.page.getByTestId("agent-card");
  }

  card(name: string): Locator {
    return this.cards().filter({ has: this.page.getByRole("heading", { name, exact: true }) });
  }

  emptyState(): Locator {
    return this.page.getByRole("heading", { name: "Create your first agent" });
  }

  notice(): Locator {
    return this.page.getByTestId("dashboard-notice");
  }

  dialog(): Locator {
    return this.page.getByRole("dialog");
  }

  /** Resolves once the list has loaded: some cards, or the empty state. */
  async waitForAgents(): Promise<void> {
    await expect(this.cards().first().or(this.emptyState())).toBeVisible();
  }

  /** From the empty state's templates when there are no agents yet, else through "New agent". */
  async createFromTemplate(templateName: string): Promise<void> {
    await this.waitForAgents();
    if (!(await this.emptyState().isVisible())) {
      await this.page.getByRole("button", { name: "New agent" }).click();
      await expect(this.dialog().getByRole("heading", { name: "Create an agent" })).toBeVisible();
    }
    await this.page.getByRole("button", { name: templateName, exact: true }).click();
    await expect(this.dialog()).toBeHidden();
    await expect(this.card(templateName)).toBeVisible();
  }

  /** Makes an agent from the template and opens its chat, connected. */
  async openNewFromTemplate(templateName: string): Promise<void> {
    await this.createFromTemplate(templateName);
    await this.card(templateName).getByRole("link").first().click();
    await expect(this.page).toHaveURL(/\/agents\/[A-Za-z0-9_-]+/);
    await expect(this.page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
  }

  async createBlank(values: Required<Pick<AgentChanges, "name">> & AgentChanges): Promise<void> {
    await this.page.getByRole("button", { name: "New agent" }).click();
    await this.dialog().getByRole("button", { name: "Blank agent" }).click();
    await expect(this.dialog().getByRole("heading", { name: "Create a blank agent" })).toBeVisible();
    await this.fillAgentForm(values);
    await this.dialog().getByRole("button", { name: "Create agent" }).click();
    await expect(this.dialog()).toBeHidden();
  }

  async openEdit(agentName: string): Promise<void> {
    await this.card(agentName).getByRole("button", { name: `Edit ${agentName}` }).click();
    await expect(this.dialog().getByRole("heading", { name: `Edit “${agentName}”` })).toBeVisible();
  }

  async fillAgentForm(changes: AgentChanges): Promise<void> {
    const dialog = this.dialog();
    if (changes.name !== undefined) await dialog.getByLabel("Name").fill(changes.name);
    if (changes.description !== undefined) await dialog.getByLabel("Description").fill(changes.description);
    if (changes.instructions !== undefined) await dialog.getByLabel("Instructions").fill(changes.instructions);
  }

  async saveEdit(): Promise<void> {
    await this.dialog().getByRole("button", { name: "Save changes" }).click();
  }

  async edit(agentName: string, changes: AgentChanges): Promise<void> {
    await this.openEdit(agentName);
    await this.fillAgentForm(changes);
    await this.saveEdit();
    await expect(this.dialog()).toBeHidden();
  }

  async duplicate(agentName: string): Promise<void> {
    await this.card(agentName).getByRole("button", { name: `Duplicate ${agentName}` }).click();
  }

  async askToDelete(agentName: string): Promise<void> {
    await this.card(agentName).getByRole("button", { name: `Delete ${agentName}` }).click();
    await expect(this.dialog().getByRole("heading", { name: `Delete “${agentName}”?` })).toBeVisible();
  }

  async keepAgent(): Promise<void> {
    await this.dialog().getByRole("button", { name: "Keep agent" }).click();
    await expect(this.dialog()).toBeHidden();
  }

  async confirmDelete(): Promise<void> {
    await this.dialog().getByRole("button", { name: "Delete agent" }).click();
    await expect(this.dialog()).toBeHidden();
  }

  async search(text: string): Promise<void> {
    await this.page.getByRole("searchbox", { name: "Search agents" }).fill(text);
  }
}
