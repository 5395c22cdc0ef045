import { expect, type Page } from "@playwright/test";
import { testOidcIssuer } from "./oidc-settings";

/** What a person does on /sign-in. */
export class SignInPage {
  constructor(private readonly page: Page) {}

  async expectShown(): Promise<void> {
    await expect(this.page.getByRole("heading", { name: "Sign in to AgentDesk" })).toBeVisible();
  }

  async continueAsGuest(): Promise<void> {
    await this.page.getByRole("button", { name: "Continue as guest" }).click();
  }

  async continueWithGoogle(): Promise<void> {
    await this.page.getByRole("button", { name: "Continue with Google" }).click();
  }
}

/** The login and consent pages of the local identity provider that stands in for Google. */
export class TestIdentityProviderPages {
  constructor(private readonly page: Page) {}

  async signInAs(login: string): Promise<void> {
    await expect(this.page).toHaveURL((url) => url.href.startsWith(testOidcIssuer));
    await this.page.getByPlaceholder("Enter any login").fill(login);
    await this.page.getByPlaceholder("and password").fill("any password");
    await this.page.getByRole("button", { name: "Sign-in" }).click();
    // Consent: the first sign-in of each test's fresh browser context asks for it.
    await this.page.getByRole("button", { name: "Continue" }).click();
  }
}

/** The account menu in the header. */
export class UserMenu {
  constructor(private readonly page: Page) {}

  name() {
    return this.page.getByTestId("user-name");
  }

  /** A guest's way to an account that keeps what they made. */
  async keepGuestWork(): Promise<void> {
    await this.name().click();
    await this.page.getByRole("link", { name: "Sign in with Google to keep your work" }).click();
  }

  async signOut(): Promise<void> {
    await this.name().click();
    await this.page.getByRole("button", { name: "Sign out" }).click();
  }
}

/** For journeys that need someone signed in: a fresh guest, back on `returnTo`. */
export async function signInAsGuest(page: Page, returnTo = "/"): Promise<void> {
  await page.goto(returnTo);
  await new SignInPage(page).continueAsGuest();
  await expect(new UserMenu(page).name()).toHaveText("Guest");
}
