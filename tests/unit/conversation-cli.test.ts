import { describe, expect, it, vi } from "vitest";

import type { ClaudeCliSession } from "../../server/claude/claude-cli-session";
import { ConversationCli, InvalidCliTransition, type CliProcess, type TurnControl } from "../../server/claude/conversation-cli";
import { IdleClis } from "../../server/claude/idle-clis";

const aProcess = (): CliProcess => ({ session: {} as ClaudeCliSession, endingToFreeSlot: false, yieldingStart: false, answeredTurn: true, bootingPrewarm: false });
const aTurn = (): TurnControl => ({ interruptRequested: false, abort: new AbortController() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function idleCli(idle: IdleClis, conversationId: string): ConversationCli {
  const cli = new ConversationCli(conversationId, idle);
  cli.beginStarting();
  cli.launched(aProcess());
  cli.parkIfUnclaimed();
  return cli;
}

describe("a conversation's CLI life cycle", () => {
  it("goes starting → live → turn → idle → ended, with the process present exactly while it runs", () => {
    const idle = new IdleClis({ idleMs: 60_000, unusedPrewarmMs: 60_000 }, () => undefined);
    const cli = new ConversationCli("c1", idle);
    const process = aProcess();
    const seen: string[] = [cli.state];
    cli.acceptTurn(aTurn());
    cli.beginStarting();
    seen.push(cli.state);
    expect(cli.process).toBeUndefined();
    cli.launched(process);
    seen.push(cli.state);
    cli.startAnswering(process.session);
    seen.push(cli.state);
    cli.endTurn();
    seen.push(cli.state);
    expect(idle.leastRecentlyUsed()).toBe(cli);
    expect(cli.letGo()).toBe(process);
    seen.push(cli.state);
    expect(seen).toEqual(["ended", "starting", "live", "turn", "idle", "ended"]);
    expect(cli.process).toBeUndefined();
    expect(idle.size).toBe(0);
  });

  it("refuses a transition its table does not allow, and says which", () => {
    const cli = new ConversationCli("c1", new IdleClis({ idleMs: 60_000, unusedPrewarmMs: 60_000 }, () => undefined));
    expect(() => cli.launched(aProcess())).toThrow(InvalidCliTransition);
    expect(() => cli.launched(aProcess())).toThrow('The CLI of conversation c1 cannot go from "ended" to "live" (allowed: starting).');
    cli.beginStarting();
    expect(() => cli.beginStarting()).toThrow(/from "starting" to "starting"/);
    cli.startFailed();
    expect(cli.state).toBe("ended");
    expect(() => cli.startFailed()).toThrow(InvalidCliTransition);
  });

  it("does not run a turn on a process that has already gone", () => {
    const cli = new ConversationCli("c1", new IdleClis({ idleMs: 60_000, unusedPrewarmMs: 60_000 }, () => undefined));
    const process = aProcess();
    cli.acceptTurn(aTurn());
    cli.beginStarting();
    cli.launched(process);
    cli.processEnded(process);
    cli.startAnswering(process.session);
    expect(cli.state).toBe("ended");
    cli.endTurn();
    expect(cli.state).toBe("ended");
  });

  it("ends an idle CLI after its idle time, and restarts the clock when a prewarm reuses it", async () => {
    const timedOut: string[] = [];
    const idle = new IdleClis({ idleMs: 250, unusedPrewarmMs: 250 }, (cli) => timedOut.push(cli.conversationId));
    const cli = idleCli(idle, "c1");
    await sleep(150);
    cli.claim();
    cli.parkIfUnclaimed();
    await sleep(150);
    expect(timedOut).toEqual([]);
    await vi.waitFor(() => expect(timedOut).toEqual(["c1"]), { timeout: 2_000 });
    expect(idle.size).toBe(0);
  });

  it("ends a prewarmed CLI nobody used within its short time, and gives a used one the full idle time", async () => {
    const timedOut: string[] = [];
    const idle = new IdleClis({ idleMs: 60_000, unusedPrewarmMs: 40 }, (cli) => timedOut.push(cli.conversationId));
    const prewarmed = new ConversationCli("prewarmed", idle);
    prewarmed.beginStarting();
    prewarmed.launched({ ...aProcess(), answeredTurn: false });
    prewarmed.parkIfUnclaimed();
    const used = new ConversationCli("used", idle);
    used.beginStarting();
    used.launched({ ...aProcess(), answeredTurn: false });
    used.acceptTurn(aTurn());
    used.startAnswering(used.process!.session);
    used.endTurn();
    await vi.waitFor(() => expect(timedOut).toEqual(["prewarmed"]), { timeout: 2_000 });
    await sleep(80);
    expect(timedOut).toEqual(["prewarmed"]);
    expect(used.state).toBe("idle");
  });

  it("never times out a CLI in a turn, however long the turn", async () => {
    const timedOut: string[] = [];
    const idle = new IdleClis({ idleMs: 20, unusedPrewarmMs: 20 }, (cli) => timedOut.push(cli.conversationId));
    const cli = idleCli(idle, "c1");
    cli.acceptTurn(aTurn());
    cli.startAnswering(cli.process!.session);
    expect(cli.state).toBe("turn");
    await sleep(80);
    expect(timedOut).toEqual([]);
    cli.endTurn();
    expect(cli.state).toBe("idle");
    await vi.waitFor(() => expect(timedOut).toEqual(["c1"]), { timeout: 2_000 });
  });

  it("picks the least recently used idle CLI to free a slot, never one spoken for or in a turn", () => {
    const idle = new IdleClis({ idleMs: 60_000, unusedPrewarmMs: 60_000 }, () => undefined);
    const older = idleCli(idle, "older");
    const newer = idleCli(idle, "newer");
    const busy = idleCli(idle, "busy");
    expect(idle.leastRecentlyUsed()).toBe(older);

    // A turn accepted for an idle CLI keeps it, even while the turn still waits for its workspace.
    older.acceptTurn(aTurn());
    expect(older.state).toBe("live");
    expect(idle.leastRecentlyUsed()).toBe(newer);

    busy.acceptTurn(aTurn());
    busy.startAnswering(busy.process!.session);
    newer.letGo();
    expect(idle.leastRecentlyUsed()).toBeUndefined();

    // A turn that ends makes its CLI the most recently used idle one.
    older.endTurn();
    busy.endTurn();
    expect(idle.leastRecentlyUsed()).toBe(older);
  });

  it("keeps the process for a turn that arrived while a prewarm was starting it", () => {
    const idle = new IdleClis({ idleMs: 60_000, unusedPrewarmMs: 60_000 }, () => undefined);
    const cli = new ConversationCli("c1", idle);
    cli.beginStarting();
    cli.acceptTurn(aTurn());
    cli.launched(aProcess());
    cli.parkIfUnclaimed();
    expect(cli.state).toBe("live");
    expect(idle.size).toBe(0);
  });
});
