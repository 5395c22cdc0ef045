import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./support/journey";
import { AgentChatPage } from "./pages/agent-chat-page";
import { DashboardPage } from "./pages/dashboard-page";
import { ShareDialog, SharePage } from "./pages/share-page";
import { signInAsGuest } from "./support/auth-pages";

/*
 * A reply that embeds an image from elsewhere (a tracking pixel, or data smuggled out in its URL)
 * must not make the owner's browser or a share visitor's fetch it: the page shows a link instead.
 * The "elsewhere" is a server of this test's own on loopback that counts every request it gets.
 */

let elsewhere: Server;
let imageUrl: string;
const requests: string[] = [];

test.beforeAll(async () => {
  elsewhere = createServer((request, response) => {
    requests.push(`${request.method} ${request.url} referer=${request.headers.referer ?? ""}`);
    response.writeHead(200, { "content-type": "image/png" }).end(Buffer.from("89504e470d0a1a0a", "hex"));
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  imageUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/x.png`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
});

test("an outside image in a reply is shown as a link on the owner's chat and on the share page, and never fetched", async ({ page: ownerPage, browser }) => {
  test.setTimeout(300_000);
  await ownerPage.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await signInAsGuest(ownerPage);
  await new DashboardPage(ownerPage).openNewFromTemplate("Python tutor");

  const chat = new AgentChatPage(ownerPage);
  const prompt = `embed the image at ${imageUrl}`;
  await chat.send(prompt);
  expect(await chat.waitForReply(180_000)).toBe("complete");
  const link = chat.lastReply().getByTestId("outside-image");
  await expect(link).toBeVisible();
  await expect(link).toHaveAttribute("href", imageUrl);
  await expect(link).toContainText(`the requested image from 127.0.0.1:${new URL(imageUrl).port} (not loaded; open it)`);
  await expect(chat.lastReply().locator("img")).toHaveCount(0);
  // After a reload too, with the reply read back from the store.
  await ownerPage.reload();
  await expect(chat.lastReply().getByTestId("outside-image")).toBeVisible();
  await ownerPage.screenshot({ path: "test-results/screenshots/outside-image-chat.png" });

  const sharing = new ShareDialog(ownerPage);
  await sharing.open();
  await sharing.chooseVisibility("Anyone with the link");
  await sharing.chooseConversation(prompt);
  await sharing.share();
  const shareLink = await sharing.copyLink();
  await sharing.close();

  const visitorContext = await browser.newContext();
  try {
    const visitorPage = await visitorContext.newPage();
    await visitorPage.goto(shareLink);
    const transcript = new SharePage(visitorPage).transcript();
    const shown = transcript.getByTestId("assistant-message").getByTestId("outside-image");
    await expect(shown).toBeVisible();
    await expect(shown).toHaveAttribute("href", imageUrl);
    await expect(transcript.locator("img")).toHaveCount(0);
    await visitorPage.screenshot({ path: "test-results/screenshots/outside-image-share.png", fullPage: true });
    // Give a stray request time to arrive before counting.
    await visitorPage.waitForTimeout(1_000);
  } finally {
    await visitorContext.close();
  }
  expect(requests).toEqual([]);
});
