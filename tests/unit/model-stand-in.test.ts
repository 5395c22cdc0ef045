import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildScriptContext,
  createModelStandIn,
  DEMO_PROMPTS,
  planReply,
  type ModelStandIn,
  type StandInRequestLog,
} from "../../server/model-stand-in";
import { messagesRequestSchema, type MessagesRequest } from "../../server/model-stand-in/schema";
import { chunkText, splitJson } from "../../server/model-stand-in/sse";

interface SseFrame {
  event: string;
  data: Record<string, unknown> & { type: string };
}

const CWD = "/home/agent/workspace";

// Shaped like what Claude Code 2.1.3xx really sends: a reminder block before the typed text and
// the environment (with the cwd) as a mid-conversation system turn.
function userPrompt(text: string) {
  return {
    role: "user" as const,
    content: [
      { type: "text", text: "<system-reminder>\nAttribution for git commits...\n</system-reminder>\n" },
      { type: "text", text },
    ],
  };
}
const environmentTurn = {
  role: "system" as const,
  content: [{ type: "text", text: `# Environment\n - Primary working directory: ${CWD}\n - Platform: linux` }],
};
const assistantText = (text: string) => ({ role: "assistant" as const, content: [{ type: "text", text }] });
const assistantToolUse = (id: string, name: string, input: Record<string, unknown>) => ({
  role: "assistant" as const,
  content: [{ type: "tool_use", id, name, input }],
});
const toolResult = (id: string, content: string, isError = false) => ({
  role: "user" as const,
  content: [{ tool_use_id: id, type: "tool_result", content, is_error: isError }],
});

function request(messages: unknown[], extra: Record<string, unknown> = {}): MessagesRequest {
  return messagesRequestSchema.parse({
    model: "claude-opus-5-5",
    max_tokens: 32000,
    stream: true,
    tools: [{ name: "Bash" }, { name: "Write" }, { name: "Read" }, { name: "Edit" }],
    messages,
    ...extra,
  });
}

function parseSse(body: string): SseFrame[] {
  return body
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const lines = frame.split("\n");
      expect(lines).toHaveLength(2);
      const [eventLine = "", dataLine = ""] = lines;
      expect(eventLine).toMatch(/^event: \w+$/);
      expect(dataLine).toMatch(/^data: \{/);
      const event = eventLine.slice("event: ".length);
      const data = JSON.parse(dataLine.slice("data: ".length)) as SseFrame["data"];
      expect(data.type).toBe(event);
      return { event, data };
    });
}

function firstToolUse(reply: ReturnType<typeof planReply>) {
  const block = reply.content.find((b) => b.type === "tool_use");
  if (block?.type !== "tool_use") throw new Error(`expected a tool_use block, got ${JSON.stringify(reply.content)}`);
  return block;
}

function textOf(reply: ReturnType<typeof planReply>): string {
  return reply.content.map((b) => (b.type === "text" ? b.text : "")).join("");
}

describe("model stand-in HTTP server", () => {
  let standIn: ModelStandIn;
  const seen: StandInRequestLog[] = [];

  beforeAll(async () => {
    standIn = await createModelStandIn({ host: "127.0.0.1", port: 0, pacing: 0, onRequest: (entry) => seen.push(entry) });
  });
  afterAll(async () => {
    await standIn.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${standIn.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("streams SSE frames in Anthropic's order, echoing the model and reporting usage", async () => {
    const res = await post("/v1/messages?beta=true", request([userPrompt("compute the sum of 1 to 100 in Python"), environmentTurn], { model: "claude-test-model" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const frames = parseSse(await res.text());
    const events = frames.map((f) => f.event);

    expect(events[0]).toBe("message_start");
    expect(events).toContain("ping");
    expect(events.slice(-2)).toEqual(["message_delta", "message_stop"]);
    // Each block: start, one or more deltas, stop, with indexes in order.
    const blockEvents = frames.filter((f) => f.event.startsWith("content_block"));
    let open: number | undefined;
    let next = 0;
    for (const frame of blockEvents) {
      const index = frame.data.index as number;
      if (frame.event === "content_block_start") {
        expect(open).toBeUndefined();
        expect(index).toBe(next);
        open = index;
      } else {
        expect(index).toBe(open);
        if (frame.event === "content_block_stop") {
          open = undefined;
          next += 1;
        }
      }
    }
    expect(next).toBe(2);

    const start = frames[0]?.data.message as Record<string, unknown>;
    expect(start.model).toBe("claude-test-model");
    expect(start.id).toMatch(/^msg_/);
    expect(start.content).toEqual([]);
    expect((start.usage as { input_tokens: number }).input_tokens).toBeGreaterThan(0);

    const delta = frames.at(-2)?.data as unknown as { delta: { stop_reason: string }; usage: { output_tokens: number } };
    expect(delta.delta.stop_reason).toBe("tool_use");
    expect(delta.usage.output_tokens).toBeGreaterThan(0);
  });

  it("sends tool input as input_json_delta pieces that reassemble to the tool input", async () => {
    const res = await post("/v1/messages", request([userPrompt("compute the sum of 1 to 100 in Python"), environmentTurn]));
    const frames = parseSse(await res.text());
    const toolStart = frames.find(
      (f) => f.event === "content_block_start" && (f.data.content_block as { type: string }).type === "tool_use",
    );
    const block = toolStart?.data.content_block as { id: string; name: string; input: unknown };
    expect(block.id).toMatch(/^toolu_/);
    expect(block.name).toBe("Bash");
    expect(block.input).toEqual({});

    const pieces = frames
      .filter((f) => f.event === "content_block_delta" && f.data.index === toolStart?.data.index)
      .map((f) => f.data.delta as { type: string; partial_json: string });
    expect(pieces.every((p) => p.type === "input_json_delta")).toBe(true);
    expect(pieces.filter((p) => p.partial_json !== "").length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(pieces.map((p) => p.partial_json).join(""))).toEqual({
      command: 'python3 -c "print(sum(range(1, 101)))"',
      description: "Sum the integers from 1 to 100",
    });
  });

  it("streams long text in many small text_delta chunks", async () => {
    const res = await post("/v1/messages", request([userPrompt("write a long answer, an essay please")]));
    const frames = parseSse(await res.text());
    const texts = frames
      .filter((f) => f.event === "content_block_delta")
      .map((f) => (f.data.delta as { type: string; text: string }).text);
    expect(texts.length).toBeGreaterThan(40);
    const words = texts.join("").split(/\s+/).filter(Boolean);
    expect(words.length).toBeGreaterThan(180);
    expect(words.length).toBeLessThan(260);
  });

  it("answers stream:false with one JSON message", async () => {
    const res = await post("/v1/messages", request([userPrompt("compute the sum of 1 to 100 in Python")], { stream: false }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { type: string; role: string; stop_reason: string; content: { type: string }[]; usage: { input_tokens: number; output_tokens: number } };
    expect(body.type).toBe("message");
    expect(body.role).toBe("assistant");
    expect(body.stop_reason).toBe("tool_use");
    expect(body.content.map((b) => b.type)).toEqual(["text", "tool_use"]);
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(body.usage.output_tokens).toBeGreaterThan(0);
  });

  it("rejects a malformed body with 400 in Anthropic's error shape", async () => {
    const missing = await post("/v1/messages", { model: "m", messages: "hi" });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/messages/);
    expect(body.error.message).toMatch(/max_tokens/);

    const notJson = await post("/v1/messages", "{not json");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
  });

  it("keeps unknown request fields (passthrough) instead of rejecting them", async () => {
    const res = await post(
      "/v1/messages",
      request([userPrompt("hello")], { stream: false, thinking: { type: "adaptive" }, context_management: { edits: [] } }),
    );
    expect(res.status).toBe(200);
  });

  it("answers count_tokens, HEAD / and GET /, and 404s anything else", async () => {
    const count = await post("/v1/messages/count_tokens", { model: "m", messages: [{ role: "user", content: "hello there" }] });
    expect(count.status).toBe(200);
    expect(((await count.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);

    expect((await fetch(`${standIn.url}/`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${standIn.url}/`)).status).toBe(200);

    const missing = await fetch(`${standIn.url}/v1/complete`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ type: "error", error: { type: "not_found_error", message: "Not found: POST /v1/complete" } });
  });

  it("survives a client hanging up mid-stream", async () => {
    const slow = await createModelStandIn({ host: "127.0.0.1", pacing: 20 });
    try {
      const controller = new AbortController();
      const res = await fetch(`${slow.url}/v1/messages`, {
        method: "POST",
        body: JSON.stringify(request([userPrompt("stream a long answer")])),
        signal: controller.signal,
      });
      const reader = res.body?.getReader();
      await reader?.read();
      controller.abort();
      const again = await fetch(`${slow.url}/v1/messages`, {
        method: "POST",
        body: JSON.stringify(request([userPrompt("hello")], { stream: false })),
      });
      expect(again.status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it("reports each request to onRequest", () => {
    const entry = seen.find((e) => e.path === "/v1/messages" && e.status === 200);
    expect(entry).toMatchObject({ method: "POST", model: expect.any(String), hasTools: true, stream: expect.any(Boolean) });
  });
});

describe("script selection and steps", () => {
  const sumTurn0 = [userPrompt("compute the sum of 1 to 100 in Python"), environmentTurn];

  it("derives the step from the assistant turns after the prompt and quotes the real tool output", () => {
    const first = planReply(request(sumTurn0));
    expect(first.scriptId).toBe("sum-1-to-100");
    expect(first.stepIndex).toBe(0);
    expect(first.stopReason).toBe("tool_use");
    const call = firstToolUse(first);

    // The CLI stores text and tool_use of one reply as two consecutive assistant messages.
    const turn1 = [...sumTurn0, assistantText("I'll compute that."), assistantToolUse(call.id, "Bash", call.input), toolResult(call.id, "5050")];
    const second = planReply(request(turn1));
    expect(second.stepIndex).toBe(1);
    expect(second.stopReason).toBe("end_turn");
    expect(textOf(second)).toContain("5050");

    // Whatever the tool printed is what the answer says: nothing is hard-coded.
    const odd = planReply(request([...sumTurn0, assistantToolUse("toolu_x", "Bash", {}), toolResult("toolu_x", "4242")]));
    expect(textOf(odd)).toContain("4242");
    expect(textOf(odd)).not.toContain("5050");
  });

  it("reports a failed tool instead of claiming success", () => {
    const reply = planReply(request([...sumTurn0, assistantToolUse("toolu_x", "Bash", {}), toolResult("toolu_x", "python3: not found", true)]));
    expect(textOf(reply)).toMatch(/failed/i);
    expect(textOf(reply)).toContain("python3: not found");
  });

  it("ends the turn once a script has no steps left", () => {
    const toolOnly = [{ id: "tool-only", match: () => true, steps: [{ tool: { name: "Bash" as const, input: { command: "date", description: "Show the date" } } }] }];
    const base = [userPrompt("what time is it?")];
    expect(planReply(request(base), toolOnly).stopReason).toBe("tool_use");
    const after = planReply(request([...base, assistantToolUse("d", "Bash", {}), toolResult("d", "Tue Nov 25")]), toolOnly);
    expect(after.stopReason).toBe("end_turn");
    expect(textOf(after)).toContain("Tue Nov 25");
  });

  it("refuses the even-numbers follow-up without the earlier sum in the history", () => {
    const alone = planReply(request([userPrompt("now only the even numbers"), environmentTurn]));
    expect(alone.scriptId).toBe("even-numbers");
    expect(alone.stopReason).toBe("end_turn");
    expect(alone.content.some((b) => b.type === "tool_use")).toBe(false);
    expect(textOf(alone)).toMatch(/don't know which numbers/i);

    const history = [
      ...sumTurn0,
      assistantToolUse("t1", "Bash", {}),
      toolResult("t1", "5050"),
      assistantText("The sum is 5050."),
      userPrompt("now only the even numbers"),
    ];
    const resumed = planReply(request(history));
    expect(resumed.stepIndex).toBe(0);
    expect(firstToolUse(resumed).input).toMatchObject({ command: 'python3 -c "print(sum(range(2, 101, 2)))"' });
    const answered = planReply(request([...history, assistantToolUse("t2", "Bash", {}), toolResult("t2", "2550")]));
    expect(textOf(answered)).toContain("2550");
  });

  it("makes file paths absolute from the working directory the CLI announces", () => {
    const chart = firstToolUse(planReply(request([userPrompt("make a chart of monthly sales"), environmentTurn])));
    expect(chart.name).toBe("Write");
    expect(chart.input.file_path).toBe(`${CWD}/make_chart.py`);
    expect(String(chart.input.content)).toContain("chart.png");
    expect(String(chart.input.content)).toContain('matplotlib.use("Agg")');

    // Older CLIs put "Working directory:" into the system prompt instead.
    const legacy = planReply(
      request([userPrompt("create a file named notes/hello.txt with content Hello world")], {
        system: [{ type: "text", text: "<env>\nWorking directory: /srv/project\n</env>" }],
      }),
    );
    expect(firstToolUse(legacy).input).toEqual({ file_path: "/srv/project/notes/hello.txt", content: "Hello world" });
  });

  it("builds the chart in three steps: Write, Bash, then text naming the file", () => {
    const base = [userPrompt("plot something"), environmentTurn];
    const step1 = planReply(request([...base, assistantToolUse("w", "Write", {}), toolResult("w", "File created successfully")]));
    expect(firstToolUse(step1).input).toMatchObject({ command: "python3 make_chart.py" });
    const step2 = planReply(
      request([...base, assistantToolUse("w", "Write", {}), toolResult("w", "ok"), assistantToolUse("b", "Bash", {}), toolResult("b", "saved chart.png (1234 bytes)")]),
    );
    expect(step2.stopReason).toBe("end_turn");
    expect(textOf(step2)).toContain("chart.png");
    expect(textOf(step2)).toContain("1234 bytes");
  });

  it("uses the CLI's input shapes for Read and Edit", () => {
    const read = firstToolUse(planReply(request([userPrompt("read hello.txt"), environmentTurn])));
    expect(read).toMatchObject({ name: "Read", input: { file_path: `${CWD}/hello.txt` } });
    const shown = planReply(request([userPrompt("read hello.txt"), environmentTurn, assistantToolUse("r", "Read", {}), toolResult("r", "     1\tHello world")]));
    expect(textOf(shown)).toContain("Hello world");
    expect(textOf(shown)).not.toMatch(/\d\tHello/);

    const editBase = [userPrompt('replace "world" with "there" in hello.txt'), environmentTurn];
    expect(firstToolUse(planReply(request(editBase))).name).toBe("Read");
    const edit = firstToolUse(planReply(request([...editBase, assistantToolUse("r", "Read", {}), toolResult("r", "1\tHello world")])));
    expect(edit).toMatchObject({ name: "Edit", input: { file_path: `${CWD}/hello.txt`, old_string: "world", new_string: "there" } });
  });

  it("uses bounded commands for the slow, memory and process-limit scripts", () => {
    const command = (prompt: string) => String(firstToolUse(planReply(request([userPrompt(prompt)]))).input.command);
    // Claude Code 2.1.3xx blocks a command that starts with a long `sleep`.
    expect(command("run a slow task")).toMatch(/^echo started; sleep 120; echo done$/);
    expect(command("be a memory hog")).toContain("bytearray(3 * 1024 ** 3)");
    const fork = command("try a fork bomb");
    expect(fork).toContain("range(5000)");
    expect(fork).toContain('"sleep", "60"');
  });

  it("ignores CLI reminders and interruption notes when finding the prompt", () => {
    const messages = [
      userPrompt("run a slow task"),
      assistantToolUse("s", "Bash", {}),
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "s", content: "The user doesn't want to proceed", is_error: true },
          { type: "text", text: "[Request interrupted by user for tool use]" },
        ],
      },
      userPrompt("compute the sum of 1 to 100 in Python"),
    ];
    const ctx = buildScriptContext(request(messages));
    expect(ctx.prompt).toBe("compute the sum of 1 to 100 in Python");
    expect(ctx.stepIndex).toBe(0);
    expect(ctx.earlierPrompts).toEqual(["run a slow task"]);

    const onlyReminder = buildScriptContext(request([userPrompt("hello"), assistantText("hi"), userPrompt("")]));
    expect(onlyReminder.prompt).toBe("hello");
    expect(onlyReminder.stepIndex).toBe(1);
  });

  it("answers auxiliary requests (no tools, tiny budgets) with short text, never a tool", () => {
    const noTools = planReply(request([userPrompt("compute the sum of 1 to 100 in Python")], { tools: undefined }));
    expect(noTools.auxiliary).toBe(true);
    expect(noTools.content).toEqual([{ type: "text", text: expect.any(String) }]);

    const probe = planReply(request([userPrompt("quota")], { max_tokens: 1 }));
    expect(probe.auxiliary).toBe(true);
    expect(probe.content.every((b) => b.type === "text")).toBe(true);

    const title = planReply(
      request([userPrompt("compute the sum of 1 to 100 in Python")], {
        tools: [],
        system: "Generate a concise title for this conversation.",
        output_format: { type: "json_schema", schema: { type: "object", properties: { title: { type: "string" } } } },
      }),
    );
    expect(JSON.parse(textOf(title))).toEqual({ title: expect.any(String) });
  });

  it("falls back to a friendly text listing the demo prompts, each of which reaches its script", () => {
    const fallback = planReply(request([userPrompt("what's the weather?")]));
    expect(fallback.scriptId).toBe("fallback");
    expect(textOf(fallback)).toMatch(/offline demo model/i);
    for (const demo of DEMO_PROMPTS) {
      expect(textOf(fallback)).toContain(demo.prompt);
      const history = demo.prompt.includes("even") ? [userPrompt("compute the sum of 1 to 100 in Python"), assistantText("5050")] : [];
      expect(planReply(request([...history, userPrompt(demo.prompt)])).scriptId).not.toBe("fallback");
    }
    expect(DEMO_PROMPTS[0]?.prompt).toBe("compute the sum of 1 to 100 in Python");
  });

  it("lets extra scripts take precedence over built-in ones", () => {
    const reply = planReply(request([userPrompt("compute the sum of 1 to 100 in Python")]), [
      { id: "custom", match: (prompt) => prompt.includes("sum"), steps: [{ text: "custom {{prompt}}" }] },
    ]);
    expect(reply.scriptId).toBe("custom");
    expect(textOf(reply)).toBe("custom compute the sum of 1 to 100 in Python");
  });
});

describe("stream helpers", () => {
  it("chunks text into a few words without losing characters", () => {
    const text = "  Hello there, this is\na test  with  odd   spacing. ";
    const chunks = chunkText(text, 3);
    expect(chunks.join("")).toBe(text);
    expect(chunks.length).toBeGreaterThan(2);
  });

  it("splits JSON into an empty first piece and parts that join back", () => {
    const json = JSON.stringify({ command: "echo hi", description: "Say hi" });
    const parts = splitJson(json);
    expect(parts[0]).toBe("");
    expect(parts.join("")).toBe(json);
    expect(parts.length).toBe(4);
  });
});

describe("quoting tool results", () => {
  it("leaves out the reminders the CLI appends to a tool's output", async () => {
    const { withoutSystemReminders } = await import("../../server/model-stand-in/conversation");
    expect(withoutSystemReminders("5050\n<system-reminder>\n<total_tokens>1 left</total_tokens>\n</system-reminder>")).toBe("5050");
  });
});
