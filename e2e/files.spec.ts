import { existsSync } from "node:fs";
import { expect, test, type Locator, type Page } from "./support/journey";
import { DashboardPage } from "./pages/dashboard-page";
import { signInAsGuest } from "./support/auth-pages";
import { filesPort } from "./support/files-origin-settings";

/** What a person does with the files panel beside an agent's chat (/agents/{id}). */
class FilesPanel {
  constructor(private readonly page: Page) {}

  panel(): Locator {
    return this.page.getByTestId("files-panel");
  }

  async open(): Promise<void> {
    await this.page.getByRole("button", { name: "Files", exact: true }).click();
    await expect(this.panel().getByRole("heading", { name: "Files", exact: true })).toBeVisible();
  }

  entry(path: string): Locator {
    return this.panel().locator(`[data-testid="file-entry"][data-path="${path.replace(/"/g, '\\"')}"]`);
  }

  details(): Locator {
    return this.panel().getByTestId("file-details");
  }

  async upload(files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
    await this.panel().getByTestId("file-upload-input").setInputFiles(files);
  }

  /** Drops files onto the panel the way a browser does when they are dragged from the desktop. */
  async drop(name: string, text: string): Promise<void> {
    const dataTransfer = await this.page.evaluateHandle(
      ([fileName, content]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([content], fileName, { type: "text/plain" }));
        return transfer;
      },
      [name, text] as const,
    );
    await this.panel().dispatchEvent("dragenter", { dataTransfer });
    await expect(this.panel().getByText("Drop to upload to")).toBeVisible();
    await this.panel().dispatchEvent("drop", { dataTransfer });
  }

  async select(path: string): Promise<void> {
    await this.entry(path).click();
    await expect(this.details().getByRole("heading", { name: path.split("/").pop()! })).toBeVisible();
  }

  async delete(path: string): Promise<void> {
    await this.select(path);
    await this.details().getByRole("button", { name: "Delete", exact: true }).click();
    const confirm = this.panel().getByRole("alertdialog", { name: "Confirm deletion" });
    await expect(confirm).toContainText(path);
    await confirm.getByRole("button", { name: "Delete", exact: true }).click();
    await expect(this.entry(path)).toHaveCount(0);
  }
}

// 1×1 transparent PNG.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
const csv = Buffer.from("region,revenue\nNorth,1200\nSouth,950\n\"East, coastal\",\"1,100\"\n");
// Tries to read the platform's cookies; in the sandbox it runs in an opaque origin, so it can't.
const html = Buffer.from(
  `<!doctype html><body><p id="out">not run</p><script>
  try { document.getElementById("out").textContent = "cookies: " + document.cookie; }
  catch (e) { document.getElementById("out").textContent = "sandboxed"; }
  </script></body>`,
);

test.describe("the files panel", () => {
  test("a person uploads, previews, downloads and deletes their agent's files", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Chart maker");
    await dashboard.card("Chart maker").getByRole("link", { name: "Open chat" }).click();
    await expect(page).toHaveURL(/\/agents\/[A-Za-z0-9_-]+/);

    const files = new FilesPanel(page);
    await files.open();
    await expect(files.panel().getByText("No files yet")).toBeVisible();
    // The workspace disk (WORKSPACE_DISK_MB, 2048 by default): a loop-mounted disk where the server
    // can attach one (root with /dev/loop-control), otherwise no limit.
    const canAttachLoops = process.getuid?.() === 0 && existsSync("/dev/loop-control");
    await expect(files.panel().getByTestId("workspace-disk")).toContainText(canAttachLoops ? /Workspace disk: .+ of 2\.0 GB used/ : /used, no limit/);

    await files.upload([
      { name: "sales.csv", mimeType: "text/csv", buffer: csv },
      { name: "chart.png", mimeType: "image/png", buffer: png },
      { name: "report.html", mimeType: "text/html", buffer: html },
      { name: "clean.py", mimeType: "text/x-python", buffer: Buffer.from("import pandas as pd\nprint('hi')\n") },
    ]);
    for (const name of ["sales.csv", "chart.png", "report.html", "clean.py"]) await expect(files.entry(name)).toBeVisible();

    await files.select("sales.csv");
    const table = files.details().getByTestId("csv-table");
    await expect(table.getByRole("columnheader")).toHaveText(["region", "revenue"]);
    await expect(table.getByRole("row")).toHaveCount(4);
    await expect(table.getByRole("row").last()).toContainText("East, coastal");
    await page.screenshot({ path: "test-results/screenshots/files-panel.png", fullPage: true });

    await files.select("chart.png");
    const image = files.details().getByTestId("image-preview");
    await expect(image).toBeVisible();
    await expect.poll(() => image.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(1);

    // The agent's page runs, but from FILES_ORIGIN (another origin, no session), sandboxed.
    await files.select("report.html");
    const frame = files.details().getByTestId("html-preview");
    await expect(frame).toHaveAttribute("sandbox", "allow-scripts");
    await expect(page.frameLocator('[data-testid="html-preview"]').locator("#out")).toHaveText("sandboxed");
    const frameUrl = new URL((await frame.getAttribute("src")) ?? "");
    expect(frameUrl.origin).not.toBe(new URL(page.url()).origin);
    expect(frameUrl.port).toBe(String(filesPort));
    expect(page.frames().find((candidate) => candidate.url().startsWith(frameUrl.origin))).toBeTruthy();

    await files.select("clean.py");
    await expect(files.details().getByTestId("text-preview")).toContainText("import pandas as pd");

    await files.select("sales.csv");
    const downloadPromise = page.waitForEvent("download");
    await files.details().getByRole("link", { name: "Download", exact: true }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toBe("sales.csv");
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(csv)).toBe(true);

    const zipPromise = page.waitForEvent("download");
    await files.panel().getByRole("link", { name: "Download all files as a zip" }).click();
    expect((await zipPromise).suggestedFilename()).toBe("Chart maker files.zip");

    await files.drop("notes.txt", "dropped from the desktop");
    await expect(files.entry("notes.txt")).toBeVisible();
    await files.select("notes.txt");
    await expect(files.details().getByTestId("text-preview")).toContainText("dropped from the desktop");

    await files.delete("chart.png");
    await page.reload();
    await files.open();
    await expect(files.entry("sales.csv")).toBeVisible();
    await expect(files.entry("chart.png")).toHaveCount(0);
  });

  test("a hidden settings file is refused with a reason the person can act on", async ({ page }) => {
    await signInAsGuest(page);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Data cleaner");
    await dashboard.card("Data cleaner").getByRole("link", { name: "Open chat" }).click();

    const files = new FilesPanel(page);
    await files.open();
    await files.upload([{ name: ".env", mimeType: "text/plain", buffer: Buffer.from("SECRET=1") }]);
    const failed = files.panel().getByTestId("upload-item").filter({ hasText: ".env" });
    await expect(failed).toHaveAttribute("data-status", "failed");
    await expect(failed.getByRole("alert")).toContainText("hidden settings files");
  });
});
