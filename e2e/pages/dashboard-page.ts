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

  /**
   * Makes an agent from the template (from the empty state's templates when there are no agents
   * yet, else through "New agent"): its chat opens. Returns the new agent's id.
   */
  async openNewFromTemplate(templateName: string, expectedName = templateName): Promise<string> {
    await this.waitForAgents();
    if (!(await this.emptyState().isVisible())) {
      await this.page.getByRole("button", { name: "New agent" }).click();
      await expect(this.dialog().getByRole("heading", { name: "Create an agent" })).toBeVisible();
    }
    await this.page.getByRole("button", { name: templateName, exact: true }).click();
    return this.expectChatOf(expectedName);
  }

  /** As openNewFromTemplate, then back on the dashboard with the new agent's card. */
  async createFromTemplate(templateName: string, expectedName = templateName): Promise<string> {
    const agentId = await this.openNewFromTemplate(templateName, expectedName);
    await this.backFromChat();
    await expect(this.card(expectedName)).toBeVisible();
    return agentId;
  }

  /** A blank agent: its chat opens, then back on the dashboard with its card. Returns its id. */
  async createBlank(values: Required<Pick<AgentChanges, "name">> & AgentChanges): Promise<string> {
    await this.page.getByRole("button", { name: "New agent" }).click();
    await this.dialog().getByRole("button", { name: "Blank agent" }).click();
    await expect(this.dialog().getByRole("heading", { name: "Create a blank agent" })).toBeVisible();
    await this.fillAgentForm(values);
    await this.dialog().getByRole("button", { name: "Create agent" }).click();
    const agentId = await this.expectChatOf(values.name);
    await this.backFromChat();
    await expect(this.card(values.name)).toBeVisible();
    return agentId;
  }

  /** Back to the dashboard as a person goes, by the header's link (staying on the page's own origin). */
  async backFromChat(): Promise<void> {
    await this.page.getByRole("link", { name: "AgentDesk" }).click();
    await expect(this.page).toHaveURL(/\/$/);
    await expect(this.page.getByRole("heading", { name: "Your agents" })).toBeVisible();
  }

  /** A new agent's chat, open and connected, as creating one leaves the person. Returns the agent's id. */
  async expectChatOf(agentName: string): Promise<string> {
    await expect(this.page).toHaveURL(/\/agents\/[A-Za-z0-9_-]+$/);
    await expect(this.page.getByTestId("agent-name")).toHaveText(agentName);
    await expect(this.page.getByLabel("Message the agent")).toBeVisible();
    await expect(this.page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
    return new URL(this.page.url()).pathname.split("/")[2]!;
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
