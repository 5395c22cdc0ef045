import { renderTemplate } from "./template";
import type { DemoPrompt, Script, ScriptContext, ScriptStep, TextTemplate } from "./types";

/*
 * The offline demo model's repertoire. Each script answers one kind of prompt with a fixed
 * sequence of assistant turns; the real CLI runs the tools, and later turns quote what the tools
 * really printed ({{lastToolResult}}), so nothing the user sees about a result is invented here.
 *
 * To add a script: append an entry to BUILT_IN_SCRIPTS (order matters, first match wins) and give
 * it an `example` if users should see it in the demo hint. Relative file paths are fine: the
 * server resolves them against the working directory the CLI announces.
 */

const SUM_1_TO_100 = /sum of (?:all )?(?:the )?(?:(?:numbers|integers) )?(?:from )?1\s*(?:to|through|-)\s*100\b/i;

const EDIT_PATTERN = /replace\s+["'`“](.+?)["'`”]\s+with\s+["'`“](.*?)["'`”]\s+in\s+["'`]?([^\s"'`]+?)["'`]?\s*\.?$/i;
// "embed the image at <url>": a reply with that Markdown image, to show how pages treat outside images.
const EMBED_IMAGE_PATTERN = /\bembed (?:the |an )?image (?:at|from) ([^\s()<>]+?)[.,;!]?$/i;
const READ_PATTERN = /^\s*(?:please\s+)?(?:read|show(?: me)?|cat|open|print)\s+(?:the\s+)?(?:file\s+)?["'`]?([^\s"'`]*(?:\.\w+|\/[^\s"'`]+))["'`]?/i;

export const fence = (text: string): string => `\`\`\`\n${text === "" ? "(no output)" : text}\n\`\`\``;

/** Final turns must not claim success when the CLI reported the tool as failed or denied. */
function reportOutcome(onSuccess: TextTemplate, failurePrefix: string): TextTemplate {
  return (ctx) => {
    if (ctx.lastToolResultIsError) return `${failurePrefix}\n\n${fence(ctx.lastToolResult)}`;
    return renderTemplate(onSuccess, ctx);
  };
}

// The Read tool prefixes every line with its number; users asked for the file, not the gutter.
const stripLineNumbers = (text: string): string => text.replace(/^ *\d+(?:→|\t)/gm, "");

const unquote = (text: string): string => text.trim().replace(/^(["'`])([\s\S]*)\1$/, "$2");

const CHART_SCRIPT = `"""Draw a small bar chart of demo sales figures and save it as chart.png next to this script."""
import os

months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
sales = [12, 19, 9, 15, 22, 17]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chart.png")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.bar(months, sales, color="#4f46e5")
    ax.set_title("Monthly sales (demo data)")
    ax.set_ylabel("Units sold")
    fig.tight_layout()
    fig.savefig(out)
    how = "matplotlib"
else:
    # No matplotlib here: still write a real PNG, drawing the bars pixel by pixel.
    import struct
    import zlib

    height, margin, bar_w, gap = 240, 10, 40, 20
    width = gap + len(sales) * (bar_w + gap)
    top = max(sales)
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            i, offset = divmod(x - gap, bar_w + gap)
            in_bar = (
                x >= gap
                and 0 <= i < len(sales)
                and offset < bar_w
                and height - margin - sales[i] * (height - 3 * margin) // top <= y < height - margin
            )
            raw += bytes((79, 70, 229)) if in_bar else b"\\xff\\xff\\xff"

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\\x89PNG\\r\\n\\x1a\\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(bytes(raw)))
    png += chunk(b"IEND", b"")
    with open(out, "wb") as f:
        f.write(png)
    how = "plain Python (matplotlib is not installed)"

print(f"saved chart.png ({os.path.getsize(out)} bytes) using {how}")
`;

// Bounded on purpose: it stops at 5000 children or at the first refusal, then reaps them all,
// so it demonstrates the pids limit without ever becoming a real fork bomb.
const FORK_LOOP = `python3 - <<'EOF'
import subprocess
procs, error = [], None
for _ in range(5000):
    try:
        procs.append(subprocess.Popen(["sleep", "60"]))
    except OSError as exc:
        error = exc
        break
for p in procs:
    p.kill()
for p in procs:
    p.wait()
print(f"started {len(procs)} processes" + (f", then the system refused: {error}" if error else " without hitting a limit"))
EOF`;

const LONG_TEXT = [
  "Here is a longer answer, streamed piece by piece so you can watch it arrive.",
  "",
  "Every agent on this platform works inside its own workspace: a small, isolated container with a",
  "Python toolchain, a private file system and firm limits on memory, processors and processes. When",
  "you send a message, the Claude Code command line program inside that workspace reads it, decides",
  "what to do, and may run real commands: it can write files, execute scripts, draw charts and read",
  "back what it produced. Everything you see in the tool panels really happened inside the container.",
  "",
  "Right now no real AI model is connected, so the replies come from the offline demo model, a tiny",
  "scripted stand-in that speaks the same protocol as the real service. It cannot think, but it can",
  "show the whole path end to end: streaming text like this paragraph, tool calls with their inputs",
  "arriving in fragments, tool results flowing back, and a final answer that quotes what the tools",
  "printed. Conversations are kept, so you can close the page, come back later and continue where you",
  "left off, and the workspace keeps your files between sessions until it is cleaned up for being idle.",
  "",
  "Connect an API key to replace this demo with a real model; nothing else about the platform changes.",
].join("\n");

function steps(...list: ScriptStep[]): readonly ScriptStep[] {
  return list;
}

export const BUILT_IN_SCRIPTS: readonly Script[] = [
  {
    id: "fork-bomb",
    example: "run a fork bomb",
    description: "starts processes until the workspace's process limit stops it (bounded, cleans up)",
    match: (prompt) => /fork ?bomb/i.test(prompt),
    steps: steps(
      {
        text: "I'll start processes in a bounded loop to see where the workspace's process limit stops it.",
        tool: { name: "Bash", input: { command: FORK_LOOP, description: "Start processes until the limit stops it", timeout: 120_000 } },
      },
      { text: (ctx) => `The process test finished. The tool reported:\n\n${fence(ctx.lastToolResult)}` },
    ),
  },
  {
    id: "memory-hog",
    example: "allocate 3 GB of memory",
    description: "tries to allocate 3 GB to show the workspace's memory limit",
    match: (prompt) => /memory hog|allocate/i.test(prompt),
    steps: steps(
      {
        text: "I'll try to allocate about 3 GB of memory with Python.",
        tool: {
          name: "Bash",
          input: {
            command: `python3 -c "b = bytearray(3 * 1024 ** 3); print('allocated', len(b) // 1024 ** 3, 'GB')"`,
            description: "Allocate about 3 GB of memory in Python",
          },
        },
      },
      {
        text: (ctx) =>
          ctx.lastToolResultIsError
            ? `The allocation did not succeed; most likely the workspace's memory limit stopped it. The tool reported:\n\n${fence(ctx.lastToolResult)}`
            : `The allocation finished. The tool reported:\n\n${fence(ctx.lastToolResult)}`,
      },
    ),
  },
  {
    id: "sum-1-to-100",
    example: "compute the sum of 1 to 100 in Python",
    description: "runs a Python one-liner and reports its output",
    match: (prompt) => SUM_1_TO_100.test(prompt) && !/\beven\b/i.test(prompt),
    steps: steps(
      {
        text: "I'll compute that with a Python one-liner.",
        tool: { name: "Bash", input: { command: `python3 -c "print(sum(range(1, 101)))"`, description: "Sum the integers from 1 to 100" } },
      },
      { text: reportOutcome("The sum of the numbers from 1 to 100 is **{{lastToolResult}}**.", "Running Python failed:") },
    ),
  },
  {
    id: "even-numbers",
    example: "now only the even numbers",
    description: "a follow-up to the sum: only works when the conversation's history is there",
    match: (prompt) => /\beven\b/i.test(prompt),
    // Only a conversation that really carries the earlier sum question knows what "the even
    // numbers" refers to; answering without it would hide a lost or un-resumed session.
    steps: (ctx) =>
      [ctx.prompt, ...ctx.earlierPrompts].some((text) => SUM_1_TO_100.test(text))
        ? steps(
            {
              text: "Same idea, counting only the even numbers from 2 to 100.",
              tool: {
                name: "Bash",
                input: { command: `python3 -c "print(sum(range(2, 101, 2)))"`, description: "Sum the even integers from 2 to 100" },
              },
            },
            {
              text: reportOutcome("The sum of the even numbers from 1 to 100 is **{{lastToolResult}}**.", "Running Python failed:"),
            },
          )
        : steps({
            text: "I don't know which numbers you mean: there is no earlier sum in this conversation. Try “compute the sum of 1 to 100 in Python” first.",
          }),
  },
  {
    id: "edit-file",
    example: 'replace "world" with "there" in hello.txt',
    description: "reads a file, then edits it",
    match: (prompt) => EDIT_PATTERN.test(prompt),
    steps: (ctx) => {
      const [, oldString = "", newString = "", file = ""] = EDIT_PATTERN.exec(ctx.prompt) ?? [];
      return steps(
        { text: `Let me look at \`${file}\` first.`, tool: { name: "Read", input: { file_path: file } } },
        { tool: { name: "Edit", input: { file_path: file, old_string: oldString, new_string: newString } } },
        { text: reportOutcome(`Done: \`${file}\` now says “${newString}” where it said “${oldString}”.`, "The edit failed:") },
      );
    },
  },
  {
    id: "create-file",
    example: "create a file named hello.txt with content Hello world",
    description: "writes a file with the Write tool",
    match: (prompt) => /\b(?:create|write|make)\s+(?:a\s+|the\s+|new\s+)*file\b/i.test(prompt),
    steps: (ctx) => {
      const name = unquote(/(?:named|called)\s+(\S+)/i.exec(ctx.prompt)?.[1] ?? "notes.txt").replace(/[.,;:]$/, "");
      const content = unquote(
        /(?:with (?:the )?(?:content|contents|text)|containing|that says)\s*:?\s*([\s\S]+)$/i.exec(ctx.prompt)?.[1] ??
          "Hello from the offline demo model!\n",
      );
      return steps(
        { text: `I'll create \`${name}\`.`, tool: { name: "Write", input: { file_path: name, content } } },
        { text: reportOutcome(`Created \`${name}\` (${content.length} characters).`, "Writing the file failed:") },
      );
    },
  },
  {
    id: "embed-image",
    match: (prompt) => EMBED_IMAGE_PATTERN.test(prompt.trim()),
    steps: steps({ text: (ctx) => `Here is the image you asked for:\n\n![the requested image](${EMBED_IMAGE_PATTERN.exec(ctx.prompt.trim())?.[1] ?? ""})` }),
  },
  {
    id: "read-file",
    example: "read hello.txt",
    description: "shows a file with the Read tool",
    match: (prompt) => READ_PATTERN.test(prompt),
    steps: (ctx) => {
      const file = READ_PATTERN.exec(ctx.prompt)?.[1] ?? "";
      return steps(
        { tool: { name: "Read", input: { file_path: file } } },
        {
          text: reportOutcome(
            (c) => `Here is \`${file}\`:\n\n${fence(stripLineNumbers(c.lastToolResult).trimEnd())}`,
            `I couldn't read \`${file}\`:`,
          ),
        },
      );
    },
  },
  {
    id: "slow-task",
    example: "run a slow task",
    description: "runs a two-minute command, handy for trying the stop button",
    match: (prompt) => /sleep|slow|long task/i.test(prompt),
    steps: steps(
      {
        text: "Starting a task that takes about two minutes.",
        tool: { name: "Bash", input: { command: "echo started; sleep 120; echo done", description: "Wait two minutes, then print done" } },
      },
      { text: reportOutcome("The slow task finished and printed: {{lastToolResult}}", "The slow task did not finish:") },
    ),
  },
  {
    id: "ten-second-task",
    example: "run a ten second task",
    description: "runs a command that takes ten seconds, then reports it",
    match: (prompt) => /\bten[- ]second|\b10[- ]?s(?:econd)?\b/i.test(prompt),
    steps: steps(
      {
        text: "Starting a task that takes about ten seconds.",
        tool: { name: "Bash", input: { command: "echo started; sleep 10; echo done", description: "Wait ten seconds, then print done" } },
      },
      { text: reportOutcome("The ten-second task finished and printed: {{lastToolResult}}", "The ten-second task did not finish:") },
    ),
  },
  {
    id: "chart",
    example: "make a chart of monthly sales",
    description: "writes a Python script, runs it and saves chart.png",
    match: (prompt) => /\b(?:chart|plot|graph)s?\b/i.test(prompt),
    steps: steps(
      {
        text: "I'll write a small Python script that draws the chart.",
        tool: { name: "Write", input: { file_path: "make_chart.py", content: CHART_SCRIPT } },
      },
      { tool: { name: "Bash", input: { command: "python3 make_chart.py", description: "Run the chart script" } } },
      {
        text: reportOutcome(
          "The chart is saved as **chart.png** in the working directory ({{cwd}}). The script printed: {{lastToolResult}}",
          "The chart script failed:",
        ),
      },
    ),
  },
  {
    id: "long-text",
    example: "write a long answer",
    description: "streams about 200 words",
    match: (prompt) => /stream|essay|long answer/i.test(prompt),
    steps: steps({ text: LONG_TEXT }),
  },
];

// Matching order above puts narrow patterns first; the hint lists prompts in the order a new user
// would try them instead, with the resource-limit experiments last.
const DEMO_ORDER = [
  "sum-1-to-100",
  "even-numbers",
  "chart",
  "create-file",
  "read-file",
  "edit-file",
  "long-text",
  "ten-second-task",
  "slow-task",
  "memory-hog",
  "fork-bomb",
];

/** Prompts the demo model knows, for the UI's "offline demo" hint. */
export const DEMO_PROMPTS: readonly DemoPrompt[] = [...BUILT_IN_SCRIPTS]
  .sort((a, b) => DEMO_ORDER.indexOf(a.id) - DEMO_ORDER.indexOf(b.id))
  .flatMap((script) => (script.example === undefined ? [] : [{ prompt: script.example, description: script.description ?? "" }]));

function demoHint(): string {
  return DEMO_PROMPTS.map((demo) => `- “${demo.prompt}” – ${demo.description}`).join("\n");
}

export const FALLBACK_SCRIPT: Script = {
  id: "fallback",
  match: () => true,
  steps: steps({
    text: () =>
      "Hi! I'm the **offline demo model**: no real AI model is connected, so I can only answer a few " +
      "scripted prompts. The tools I use are real, though; they run in your workspace. Try one of these:\n\n" +
      demoHint(),
  }),
};

export type { Script, ScriptContext, ScriptStep };
