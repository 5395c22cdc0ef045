import { describe, expect, it } from "vitest";
import { fileContentUrl } from "@/lib/file-urls";
import { sharedFileContentUrl } from "@/lib/shared-file-urls";
import type { ContentBlock } from "@/lib/records";
import { imagePathsShown } from "@/server/sharing/share-service";

const agentId = "AgentAgentAgentAgent01";
const shareToken = "ShareShareShareShare01";
const link = { agentId, shareToken, workdir: `/workspace/agent-${agentId}` };
const reply = (...content: ContentBlock[]) => ({ content });

describe("the images a shared conversation shows", () => {
  it("are its image blocks and its markdown images of the agent's own files, by path in the agent's folder", () => {
    const shown = imagePathsShown(
      [
        reply(
          { type: "image", path: "plots/chart.png", mimeType: "image/png" },
          { type: "image", path: `/workspace/agent-${agentId}/plots/absolute.png`, mimeType: "image/png" },
          { type: "text", text: `See ![one](${fileContentUrl(agentId, "plots/one.png", { version: "3" })}) and ![two](${sharedFileContentUrl(shareToken, "two.png")} "title")` },
        ),
      ],
      link,
    );
    expect([...shown].sort()).toEqual(["plots/absolute.png", "plots/chart.png", "plots/one.png", "two.png"]);
  });

  it("leave out what lies outside the folder, another agent's files, attachments and other share links", () => {
    const shown = imagePathsShown(
      [
        reply(
          { type: "image", path: "../other/chart.png", mimeType: "image/png" },
          { type: "image", path: "/workspace/agent-Someone/chart.png", mimeType: "image/png" },
          { type: "file", path: "customers.csv", mimeType: "text/csv" },
          { type: "text", text: `![x](${fileContentUrl("AnotherAgent", "x.png")}) ![y](${sharedFileContentUrl("AnotherToken", "y.png")}) ![z](${fileContentUrl(agentId, "../z.png")})` },
        ),
      ],
      link,
    );
    expect([...shown]).toEqual([]);
  });
});
