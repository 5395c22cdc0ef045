import { expect, type Locator, type Page } from "@playwright/test";

/** What an owner does in the chat header's Share dialog: who can see the agent, which chat shows, the link. */
export class ShareDialog {
  constructor(private readonly page: Page) {}

  dialog(): Locator {
    return this.page.getByRole("dialog");
  }

  link(): Locator {
    return this.dialog().getByTestId("share-link");
  }

  async open(): Promise<void> {
    await this.page.getByRole("button", { name: "Share", exact: true }).click();
    await expect(this.dialog().getByRole("heading", { name: "Share this agent" })).toBeVisible();
    await expect(this.dialog().getByRole("radio").first()).toBeVisible();
  }

  async chooseVisibility(label: "Private" | "Anyone with the link" | "Public"): Promise<void> {
    await this.dialog().getByRole("radio", { name: label, exact: true }).check();
  }

  /** By the conversation's title, which is its first message. */
  async chooseConversation(title: string): Promise<void> {
    const select = this.dialog().getByLabel("Conversation shown on the page");
    const value = await select.locator("option", { hasText: title }).getAttribute("value");
    await select.selectOption(value ?? "");
  }

  async share(): Promise<void> {
    await this.dialog().getByRole("button", { name: "Share", exact: true }).click();
    await expect(this.link()).toBeVisible();
  }

  /** Copies the link with the dialog's button and returns what landed on the clipboard. */
  async copyLink(): Promise<string> {
    await this.dialog().getByRole("button", { name: "Copy link" }).click();
    await expect(this.dialog().getByRole("status")).toHaveText("Copied to the clipboard.");
    const copied = await this.page.evaluate(() => navigator.clipboard.readText());
    await expect(this.link()).toHaveValue(copied);
    return copied;
  }

  async revoke(): Promise<void> {
    await this.dialog().getByRole("button", { name: "Revoke link" }).click();
    await expect(this.link()).toBeHidden();
    await expect(this.dialog().getByRole("radio", { name: "Private", exact: true })).toBeChecked();
  }

  async close(): Promise<void> {
    await this.dialog().getByRole("button", { name: "Done" }).click();
    await expect(this.dialog()).toBeHidden();
  }
}

/** What anyone with a share link sees at /share/{token}, signed in or not. */
export class SharePage {
  constructor(private readonly page: Page) {}

  name(): Locator {
    return this.page.getByTestId("shared-agent-name");
  }

  instructions(): Locator {
    return this.page.getByTestId("shared-agent-instructions");
  }

  transcript(): Locator {
    return this.page.getByTestId("shared-transcript");
  }

  revokedNotice(): Locator {
    return this.page.getByRole("heading", { name: "This link no longer works" });
  }

  /** Signed out it leads to sign-in; signed in it makes the copy and opens it. */
  async useAgent(): Promise<void> {
    await this.page.getByRole("link", { name: "Use this agent" }).or(this.page.getByRole("button", { name: "Use this agent" })).click();
  }
}
