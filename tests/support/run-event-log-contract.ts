import { describe, expect, it } from "vitest";
import type { RunEventLog } from "../../server/conversations/run-event-log";

/** A fresh, empty log for one test. */
export type RunEventLogFactory = (options?: { maxEventsPerConversation?: number }) => RunEventLog | Promise<RunEventLog>;

export interface RunEventLogTraits {
  /** False where trimming is approximate (Redis MAXLEN ~): at least the newest events stay, maybe a few more. */
  trimsExactly: boolean;
}

/** What every RunEventLog promises, run against the in-memory log and the Redis one alike. */
export function describeRunEventLogContract(name: string, makeLog: RunEventLogFactory, traits: RunEventLogTraits): void {
  describe(`${name} run event log`, () => {
    it("numbers events per conversation and replays exactly what came after a sequence number", async () => {
      const log = await makeLog();
      await log.append("c1", "r1", { type: "text_delta", text: "Hel" });
      await log.append("c2", "r9", { type: "text_delta", text: "other" });
      await log.append("c1", "r1", { type: "text_delta", text: "lo" });
      await log.append("c1", "r1", { type: "text", text: "Hello" });

      expect(await log.lastSeq("c1")).toBe(2);
      expect((await log.since("c1", 0)).map((e) => e.seq)).toEqual([1, 2]);
      expect((await log.since("c1", -1)).map((e) => e.event)).toEqual([
        { type: "text_delta", text: "Hel" },
        { type: "text_delta", text: "lo" },
        { type: "text", text: "Hello" },
      ]);
      expect(await log.since("c1", 2)).toEqual([]);
      expect(await log.since("c2", -1)).toHaveLength(1);
      expect(await log.since("unknown", -1)).toEqual([]);
      expect(await log.lastSeq("unknown")).toBe(-1);
    });

    it("keeps sequence numbers growing when old events are trimmed", async () => {
      const log = await makeLog({ maxEventsPerConversation: 3 });
      for (let i = 0; i < 10; i++) await log.append("c1", "r1", { type: "text_delta", text: String(i) });
      const seqs = (await log.since("c1", -1)).map((e) => e.seq);
      if (traits.trimsExactly) {
        expect(seqs).toEqual([7, 8, 9]);
      } else {
        expect(seqs.slice(-3)).toEqual([7, 8, 9]);
        expect(seqs).toEqual(seqs.map((_, i) => 10 - seqs.length + i));
      }
      expect(await log.lastSeq("c1")).toBe(9);
    });

    it("replays the very envelopes append gave, and nothing else", async () => {
      const log = await makeLog();
      const started = await log.append("c1", "r1", { type: "run_started", prompt: "hi", clientMessageId: "m1", userMessageId: "u1", assistantMessageId: "a1" });
      const finished = await log.append("c1", "r1", { type: "run_finished", status: "complete" });

      expect(started).toEqual({ conversationId: "c1", runId: "r1", seq: 0, at: expect.any(String), event: started.event });
      expect(new Date(started.at).toISOString()).toBe(started.at);
      expect(await log.since("c1", -1)).toEqual([started, finished]);
    });

    it("forgets a conversation and numbers it from the start again", async () => {
      const log = await makeLog();
      await log.append("c1", "r1", { type: "text", text: "one" });
      await log.append("c2", "r2", { type: "text", text: "kept" });
      await log.forget("c1");

      expect(await log.since("c1", -1)).toEqual([]);
      expect(await log.lastSeq("c1")).toBe(-1);
      expect((await log.append("c1", "r3", { type: "text", text: "again" })).seq).toBe(0);
      expect(await log.since("c2", -1)).toHaveLength(1);
    });
  });
}
