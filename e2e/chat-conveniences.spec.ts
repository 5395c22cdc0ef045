import { expect, test, type Page } from "./support/journey";
import { readFile } from "node:fs/promises";
import { openNewAgentChat } from "./pages/agent-chat-page";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

test.describe("chat conveniences", () => {
  test("a file attached from the composer reaches the agent's folder; replies and code blocks copy; the last question can be edited and a reply regenerated", async ({ page }) => {
    test.setTimeout(240_000);
    const chat = await openNewAgentChat(page);
    await page.locator('[data-testid="composer-attachments"] input[type=file]').setInputFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("hello from the composer\nsecond line\n"),
    });
    await expect(page.getByTestId("attachment")).toHaveAttribute("data-status", "done");
    await expect(page.getByTestId("attachment")).toHaveText("notes.txt");

    await chat.send("read notes.txt");
    expect(await chat.waitForReply()).toBe("complete");
    await expect(page.getByTestId("user-message").last()).toContainText("Attached files (in your folder): notes.txt");
    // Sent: the composer is empty of attachments again.
    await expect(page.getByTestId("attachment")).toHaveCount(0);
    const code = chat.lastReply().getByTestId("code-block");
    await expect(code).toContainText("hello from the composer");

    await code.getByRole("button", { name: "Copy code" }).click();
    await expect(code.getByRole("button", { name: "Copy code" })).toHaveText("Copied");
    const copied = await clipboard(page);
    expect(copied).toMatch(/^hello from the composer\nsecond line/);
    expect(copied).not.toContain("Copy");

    await page.getByTestId("reply-actions").last().getByRole("button", { name: "Copy reply" }).click();
    expect(await clipboard(page)).toContain("Here is `notes.txt`:");

    // Regenerate: the same question again, a new turn of the same conversation.
    const questions = page.getByTestId("user-message");
    await expect(questions).toHaveCount(1);
    await page.getByTestId("reply-actions").last().getByRole("button", { name: "Regenerate" }).click();
    await expect(chat.assistantMessages()).toHaveCount(2);
    await expect(chat.lastReply()).toHaveAttribute("data-status", "complete", { timeout: 120_000 });
    await expect(questions).toHaveCount(2);
    await expect(questions.last()).toHaveText(await questions.first().innerText());
    await expect(chat.lastReply()).toContainText("hello from the composer");
    // Only the last reply offers Regenerate.
    await expect(page.getByRole("button", { name: "Regenerate" })).toHaveCount(1);

    // Edit: the last question comes back into the composer to change and send again.
    await page.getByRole("button", { name: "Edit" }).click();
    await expect(chat.input()).toHaveValue(/^read notes\.txt/);
    await expect(chat.input()).toBeFocused();
    await chat.input().fill("compute the sum of 1 to 100 in Python");
    await chat.input().press("Enter");
    await expect(chat.assistantMessages()).toHaveCount(3);
    await expect(chat.lastReply()).toContainText("5050", { timeout: 120_000 });
  });

  test("files dropped on the chat go to the agent's folder and the next message names them", async ({ page }) => {
    test.setTimeout(180_000);
    const chat = await openNewAgentChat(page);
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["a,b\n1,2\n"], "dropped.csv", { type: "text/csv" }));
      return transfer;
    });
    const section = page.getByRole("region", { name: "Chat" });
    await section.dispatchEvent("dragover", { dataTransfer: dropped });
    await section.dispatchEvent("drop", { dataTransfer: dropped });
    await expect(page.getByTestId("attachment")).toHaveText("dropped.csv");
    await expect(page.getByTestId("attachment")).toHaveAttribute("data-status", "done");

    await page.getByRole("button", { name: "Files", exact: true }).click();
    await expect(page.getByRole("complementary", { name: "Files" })).toContainText("dropped.csv");

    await chat.send("read dropped.csv");
    expect(await chat.waitForReply()).toBe("complete");
    await expect(chat.lastReply().getByTestId("code-block")).toContainText("1,2");
  });

  test("Esc stops the reply being written and Ctrl+Shift+O starts a new chat", async ({ page }) => {
    test.setTimeout(240_000);
    const chat = await openNewAgentChat(page);
    await chat.send("run a slow long task");
    await expect(chat.toolCalls().first()).toHaveAttribute("data-state", "running", { timeout: 120_000 });
    await page.keyboard.press("Escape");
    expect(await chat.waitForReply(30_000)).toBe("interrupted");

    const before = await chat.conversations().count();
    await page.keyboard.press("Control+Shift+O");
    await expect(chat.conversations()).toHaveCount(before + 1);
    await expect(chat.messages().getByTestId("user-message")).toHaveCount(0);
    await chat.send("compute the sum of 1 to 100 in Python");
    expect(await chat.waitForReply()).toBe("complete");
    await expect(chat.conversations().first()).toContainText("compute the sum");
  });

  test("a conversation exports as Markdown with its chart inside", async ({ page }) => {
    test.setTimeout(240_000);
    const chat = await openNewAgentChat(page);
    await chat.send("make a chart of monthly sales");
    expect(await chat.waitForReply()).toBe("complete");
    await expect(chat.lastReply().getByRole("img", { name: /chart\.png/ })).toBeVisible();

    await page.getByRole("button", { name: /^Actions for / }).first().click();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.md$/);
    const markdown = await readFile((await file.path())!, "utf8");
    expect(markdown).toContain("## You\n\nmake a chart of monthly sales");
    expect(markdown).toContain("## Agent");
    expect(markdown).toMatch(/!\[[^\]]*chart\.png\]\(data:image\/png;base64,[A-Za-z0-9+/=]{200,}\)/);
  });
});

test.describe("searching conversations", () => {
  test("a search finds conversations by title and by what was said in them", async ({ page }) => {
    test.setTimeout(240_000);
    const chat = await openNewAgentChat(page);
    await chat.send("compute the sum of 1 to 100 in Python");
    expect(await chat.waitForReply()).toBe("complete");
    await page.getByRole("button", { name: "+ New conversation" }).click();
    await chat.send("make a chart of monthly sales");
    expect(await chat.waitForReply()).toBe("complete");

    const search = page.getByRole("searchbox", { name: "Search conversations" }).first();
    const results = page.getByTestId("search-results").first();
    // A word only the first conversation's reply says.
    await search.fill("5050");
    await expect(results.getByRole("button")).toHaveCount(1);
    await expect(results.getByRole("button")).toHaveText(/compute the sum/);
    await expect(page.getByTestId("conversation-list").first()).toBeHidden();
    // By title, whatever the case.
    await search.fill("MONTHLY SALES");
    await expect(results.getByRole("button")).toHaveCount(1);
    await expect(results.getByRole("button")).toHaveText(/make a chart/);
    await search.fill("nothing anyone said");
    await expect(results).toContainText("No conversation mentions “nothing anyone said”.");

    await search.fill("5050");
    await results.getByRole("button", { name: /compute the sum/ }).click();
    await expect(chat.lastReply()).toContainText("5050");
    await search.fill("");
    await expect(page.getByTestId("conversation-list").first()).toBeVisible();
  });
});

test.describe("usage per month", () => {
  test("the Runs panel sums this month's turns, tokens and cost, labelled as demo usage", async ({ page }) => {
    test.setTimeout(180_000);
    const chat = await openNewAgentChat(page);
    await chat.send("compute the sum of 1 to 100 in Python");
    expect(await chat.waitForReply()).toBe("complete");
    await chat.send("now only the even numbers");
    expect(await chat.waitForReply()).toBe("complete");

    await page.getByRole("button", { name: "Runs", exact: true }).click();
    const usage = page.getByTestId("agent-usage");
    await expect(usage).toContainText("Usage by month · demo, not billed");
    const month = usage.getByTestId("usage-month");
    await expect(month).toHaveCount(1);
    const thisMonth = new Date().toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
    await expect(month.getByRole("cell").nth(0)).toHaveText(thisMonth);
    await expect(month.getByRole("cell").nth(1)).toHaveText("2");
    await expect(month.getByRole("cell").nth(2)).toHaveText(/^[1-9][\d,]* \/ [1-9][\d,]*$/);
    await expect(month.getByRole("cell").nth(3)).toHaveText(/^\$\d/);
  });
});
