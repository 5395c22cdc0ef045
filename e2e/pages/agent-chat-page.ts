import { expect, type Locator, type Page } from "@playwright/test";
import { signInAsGuest } from "../support/auth-pages";
import { DashboardPage } from "./dashboard-page";

/** What a person does on an agent's page: chat, watch the agent work, look at its files. */
export class AgentChatPage {
  /** How many replies there were before the last send: the next reply is the one after them. */
  private repliesBeforeSend = 0;

  constructor(private readonly page: Page) {}

  input(): Locator {
    return this.page.getByLabel("Message the agent");
  }

  messages(): Locator {
    return this.page.getByTestId("message-list");
  }

  assistantMessages(): Locator {
    return this.page.getByTestId("assistant-message");
  }

  lastReply(): Locator {
    return this.assistantMessages().last();
  }

  async send(text: string): Promise<void> {
    this.repliesBeforeSend = await this.assistantMessages().count();
    await this.input().fill(text);
    await this.input().press("Enter");
  }

  /** Waits until the latest reply is no longer streaming, and returns its status. */
  async waitForReply(timeout = 120_000): Promise<string | null> {
    await expect(this.assistantMessages()).toHaveCount(this.repliesBeforeSend + 1, { timeout });
    await expect(this.lastReply()).not.toHaveAttribute("data-status", "streaming", { timeout });
    return this.lastReply().getAttribute("data-status");
  }

  toolCalls(): Locator {
    return this.lastReply().getByTestId("tool-call");
  }

  conversations(): Locator {
    return this.page.getByTestId("conversation-list").getByRole("listitem");
  }
}

/** A new guest makes an agent from a template and opens its chat, connected. */
export async function openNewAgentChat(page: Page, template = "Python tutor"): Promise<AgentChatPage> {
  await signInAsGuest(page);
  await new DashboardPage(page).openNewFromTemplate(template);
  return new AgentChatPage(page);
}
