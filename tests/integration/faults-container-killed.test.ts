import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { workspaceContainerName } from "../../server/workspaces/workspace-names";
import { expectSessionResumes, sendAndComplete, startFaultScenario, type FaultScenario } from "./support/fault-scenario";
import { collectRun, finishedOf, nextEvent } from "./support/server-process";

/**
 * The user's container is killed (OOM killer, an operator, a crashed engine shim) while the agent
 * works, seen by a browser-like Socket.IO client of the real server process: the run ends with a
 * clear error, history is intact, and the next message works in a fresh container with the same
 * files and the same CLI session.
 */
let scenario: FaultScenario | undefined;

beforeAll(async () => {
  scenario = await startFaultScenario({ name: "faults-container" });
});

afterAll(async () => {
  await scenario?.close();
});

describe("a workspace container killed mid-run", () => {
  it("ends the run with a clear error, keeps the history, and the next message works", async () => {
    const { docker, store, server, guest, newConversation, openTab } = scenario!;
    onTestFailed(() => console.log(`server output (tail):\n${server.output().slice(-6000)}`));
    const conversation = await newConversation();
    const tab = await openTab(conversation);
    const { socket, send } = tab;
    await sendAndComplete(tab, "compute the sum of 1 to 100 in Python", "c1");

    const killedRun = collectRun(socket, conversation.id);
    const toolStarted = nextEvent(socket, conversation.id, (envelope) => envelope.event.type === "tool_use");
    expect(await send("run a slow task", "c2")).toMatchObject({ ok: true });
    await toolStarted;
    await docker.getContainer(workspaceContainerName(guest.userId)).kill();
    const events = await killedRun;

    // What the person sees: an error that says what happened and what to do, then the run's end.
    const error = events.find((envelope) => envelope.event.type === "error")?.event;
    expect(error).toMatchObject({ code: "workspace_lost", message: expect.stringMatching(/workspace stopped.*send your message again/i) });
    expect(finishedOf(events), JSON.stringify(finishedOf(events))).toMatchObject({ type: "run_finished", status: "failed", error: { code: "workspace_lost" } });

    const stored = await store.listMessages(conversation.id);
    expect(stored.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "failed"],
    ]);
    expect(stored[3]).toMatchObject({ error: { code: "workspace_lost" } });
    expect(stored[3]!.content.some((block) => block.type === "text" && block.text.includes("Starting a task"))).toBe(true);

    // The next message starts the workspace again and resumes the same CLI session from the volume.
    await expectSessionResumes(store, tab, "c3");
    socket.disconnect();
  });
});
