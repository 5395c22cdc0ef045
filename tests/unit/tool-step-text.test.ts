import { describe, expect, it } from "vitest";
import { plainToolName, toolStepOutcome, withoutAgentFolder } from "@/lib/tool-step-text";

const finished = { finished: true, stopped: false };
const streaming = { finished: false, stopped: false };
const stopped = { finished: true, stopped: true };

describe("a step of the agent's work, in words a person reads", () => {
  it("names tools plainly", () => {
    expect(plainToolName("Bash")).toBe("Command");
    expect(plainToolName("Write")).toBe("File");
    expect(plainToolName("mcp__some_server__thing")).toBe("Step");
  });

  it("leaves out the agent's folder inside the container", () => {
    expect(withoutAgentFolder("/workspace/agent-a1B2_c3/reports/sales.csv")).toBe("reports/sales.csv");
    expect(withoutAgentFolder("wrote /workspace/agent-x9/chart.png and /workspace/agent-x9/data.csv")).toBe("wrote chart.png and data.csv");
  });

  it("turns the text written for the model after Stop into a plain sentence, with nothing of it shown", () => {
    const outcome = toolStepOutcome(
      {
        output:
          "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.",
        isError: true,
      },
      stopped,
    );
    expect(outcome).toEqual({ state: "stopped", sentence: "Stopped before this step finished." });
  });

  it("shows a failed step inside a finished reply as recovered, without the tags", () => {
    const outcome = toolStepOutcome({ output: "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>", isError: true }, finished);
    expect(outcome.state).toBe("recovered");
    expect(outcome.sentence).toBe("The agent has to look at a file before changing it. This step didn't work the first time; the agent carried on.");
    expect(outcome.details).toBe("File has not been read yet. Read it first before writing to it.");
    expect(JSON.stringify(outcome)).not.toContain("tool_use_error");
  });

  it("keeps a failure as failed while the reply is still going, and cleans paths in what a step printed", () => {
    expect(toolStepOutcome({ output: "python3: can't open file '/workspace/agent-q1/x.py': No such file", isError: true }, streaming)).toEqual({
      state: "failed",
      sentence: "A file or folder the agent expected was not there.",
      details: "python3: can't open file 'x.py': No such file",
    });
    expect(toolStepOutcome({ output: "saved /workspace/agent-q1/out.csv", isError: false }, streaming)).toEqual({ state: "done", details: "saved out.csv" });
    expect(toolStepOutcome(undefined, streaming).state).toBe("running");
    expect(toolStepOutcome(undefined, stopped).state).toBe("stopped");
  });
});
