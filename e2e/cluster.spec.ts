import { expect, test } from "./support/journey";
import { AgentChatPage } from "./pages/agent-chat-page";
import { DashboardPage } from "./pages/dashboard-page";
import { signInAsGuest } from "./support/auth-pages";
import { openClientNetwork, type ClientNetwork } from "./support/client-network";
import { clientAddressServedBy, endedSocketConnections, runsOfAgent, socketReplicaFor } from "./support/cluster-records";
import { clusterSettings } from "./support/cluster-settings";

// Runs in the "cluster" project only: two replicas sharing Redis and one store, nginx in front
// (scripts/cluster.sh, as `npm run cluster` runs it, started by playwright.config.ts).
test.describe("several replicas behind nginx", () => {
  let network: ClientNetwork;

  test.beforeEach(async () => {
    network = await openClientNetwork({ host: "127.0.0.1", port: clusterSettings.nginxPort });
  });

  test.afterEach(async () => {
    await network.close();
  });

  test("a run started through nginx goes on when the page reloads onto the other replica", async ({ page, context }) => {
    test.setTimeout(240_000);
    // The person's tab reaches nginx over their own network (see client-network.ts); a second
    // tab in the same browser goes to nginx directly. Both start from 127.0.0.1.
    await signInAsGuest(page, `${network.url}/`);
    const dashboard = new DashboardPage(page);
    await dashboard.createFromTemplate("Python tutor");
    await dashboard.card("Python tutor").getByRole("link").first().click();
    await expect(page).toHaveURL(/\/agents\/[A-Za-z0-9_-]+/);
    const agentId = new URL(page.url()).pathname.split("/")[2]!;
    const chat = new AgentChatPage(page);
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");

    await chat.send("run a ten second task");
    await expect(page.getByTestId("user-message").last()).toHaveText("run a ten second task");
    await expect(page.getByTestId("run-indicator")).toBeVisible();
    await expect(page).toHaveURL(/\?c=/);

    // The replica that took the message owns the run: the one nginx pins 127.0.0.1's socket to.
    await expect.poll(() => runsOfAgent(agentId)[0]?.instanceId ?? null).not.toBeNull();
    const owner = runsOfAgent(agentId)[0]!.instanceId!;
    expect(await socketReplicaFor("127.0.0.1")).toBe(owner);
    const other = clusterSettings.replicas.find((replica) => replica.instanceId !== owner)!.instanceId;
    const addressOnOther = await clientAddressServedBy(other);

    const secondTab = await context.newPage();
    await secondTab.goto(page.url().replace(network.url, clusterSettings.url));
    const second = new AgentChatPage(secondTab);
    await expect(secondTab.getByTestId("run-indicator")).toBeVisible();

    await expect(chat.toolCalls().first()).toHaveAttribute("data-state", "running", { timeout: 120_000 });
    await expect(second.toolCalls().first()).toHaveAttribute("data-state", "running");

    // Mid-run the person's network changes, and they reload: the page and its socket now come
    // from an address nginx sends to the other replica, which never ran this conversation.
    network.moveTo(addressOnOther);
    await page.reload();
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
    await expect(page.getByTestId("run-indicator")).toBeVisible();
    await expect(page.getByTestId("user-message")).toHaveCount(1);
    // The partial reply is rebuilt from the run's events in Redis, not only from the store.
    await expect(chat.lastReply()).toHaveAttribute("data-status", "streaming");
    await expect(chat.lastReply()).toContainText("Starting a task that takes about ten seconds.");
    await expect(chat.toolCalls().first()).toHaveAttribute("data-state", "running");

    expect(await chat.waitForReply(60_000)).toBe("complete");
    expect(await second.waitForReply(60_000)).toBe("complete");
    for (const reply of [chat.lastReply(), second.lastReply()]) {
      await expect(reply).toContainText(/The ten-second task finished and printed:\s*started\s+done/);
    }
    await expect(page.getByTestId("run-indicator")).toBeHidden();
    await expect(secondTab.getByTestId("run-indicator")).toBeHidden();
    await expect(chat.assistantMessages()).toHaveCount(1);
    await page.screenshot({ path: "test-results/screenshots/cluster.png", fullPage: true });

    // One run, run by its owner to the end; nobody ran it twice.
    expect(runsOfAgent(agentId)).toEqual([expect.objectContaining({ status: "complete", instanceId: owner })]);

    // nginx logs a WebSocket when it ends: the reloaded page's socket was on the other replica,
    // the second tab's (and the page's first) on the owner.
    await secondTab.close();
    await page.close();
    await expect
      .poll(() => endedSocketConnections().map(({ clientAddress, replica }) => `${clientAddress} → ${replica}`).sort())
      .toEqual(expect.arrayContaining([`127.0.0.1 → ${owner}`, `${addressOnOther} → ${other}`]));
  });
});
