import { describe, expect, it } from "vitest";
import { piecesOf } from "@/components/chat/chat-message";

describe("a stored reply, as the chat shows it", () => {
  it("pairs tool calls with their results and keeps produced files with a readable name", () => {
    const pieces = piecesOf([
      { type: "text", text: "Writing the report." },
      { type: "tool_use", id: "t1", name: "Bash", input: { command: "python3 report.py" } },
      { type: "tool_result", toolUseId: "t1", output: "done", isError: false },
      { type: "image", path: "chart.png", mimeType: "image/png" },
      { type: "file", path: "reports/sales.xlsx", mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
      { type: "file", path: "summary.csv", mimeType: "text/csv", name: "Summary.csv" },
    ]);
    expect(pieces).toEqual([
      { kind: "text", text: "Writing the report." },
      { kind: "tool", call: { id: "t1", name: "Bash", input: { command: "python3 report.py" }, result: { output: "done", isError: false } } },
      { kind: "image", path: "chart.png" },
      { kind: "file", path: "reports/sales.xlsx", name: "sales.xlsx" },
      { kind: "file", path: "summary.csv", name: "Summary.csv" },
    ]);
  });
});
