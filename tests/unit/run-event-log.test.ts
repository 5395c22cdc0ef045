import { describe, expect, it } from "vitest";
import { createInMemoryRunEventLog } from "../../server/conversations/run-event-log";

describe("run event log", async () => {
  it("numbers events per conversation and replays exactly what came after a sequence number", async () => {
    const log = createInMemoryRunEventLog();
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
    const log = createInMemoryRunEventLog({ maxEventsPerConversation: 3 });
    for (let i = 0; i < 10; i++) await log.append("c1", "r1", { type: "text_delta", text: String(i) });
    expect((await log.since("c1", -1)).map((e) => e.seq)).toEqual([7, 8, 9]);
    expect(await log.lastSeq("c1")).toBe(9);
  });
});
