import { beforeEach, describe, expect, it } from "vitest";

import type { RunEventEnvelope } from "../../lib/socket-events";
import { useChatStore } from "../../stores/chat-store";

let seq = 0;
function envelope(event: RunEventEnvelope["event"]): RunEventEnvelope {
  seq += 1;
  return { conversationId: "c1", runId: "r1", seq, at: new Date(1_000 * seq).toISOString(), event };
}

describe("chat store: a run that waits before it begins", () => {
  beforeEach(() => {
    seq = 0;
    useChatStore.getState().reset();
    useChatStore.getState().openConversation("c1");
    useChatStore.getState().applyEnvelope(
      envelope({ type: "run_started", prompt: "hi", clientMessageId: "m1", userMessageId: "u1", assistantMessageId: "a1" }),
    );
  });

  it("shows the queue position as it changes, then clears it when the agent starts", () => {
    const { applyEnvelope } = useChatStore.getState();
    applyEnvelope(envelope({ type: "run_queued", position: 2, message: "Waiting for a free slot — you're 2nd in line." }));
    expect(useChatStore.getState().live?.waiting).toEqual({ kind: "queued", position: 2, message: "Waiting for a free slot — you're 2nd in line." });
    applyEnvelope(envelope({ type: "run_queued", position: 1, message: "Waiting for a free slot — you're next in line." }));
    expect(useChatStore.getState().live?.waiting).toMatchObject({ position: 1 });
    applyEnvelope(envelope({ type: "text_delta", text: "Hello" }));
    expect(useChatStore.getState().live?.waiting).toBeNull();
    expect(useChatStore.getState().live?.reply.blocks).toEqual([{ type: "text", text: "Hello" }]);
  });

  it("shows that the workspace is waking up", () => {
    useChatStore.getState().applyEnvelope(envelope({ type: "workspace_starting", message: "Waking up your workspace… this takes a few seconds." }));
    expect(useChatStore.getState().live?.waiting).toEqual({ kind: "waking", message: "Waking up your workspace… this takes a few seconds." });
    useChatStore.getState().applyEnvelope(envelope({ type: "run_finished", status: "interrupted" }));
    expect(useChatStore.getState().live).toBeNull();
  });
});
