import { describe, expect, it } from "vitest";

import { fileContentUrl, fileTypeOf, formatFileSize } from "@/lib/file-api";
import { agentFileLimitsFrom, buildFileTree, defaultAgentFileLimits } from "@/server/files/agent-files";
import { configSchema } from "@/server/config";

const at = Date.UTC(2025, 0, 2, 3, 4, 5);

describe("the file tree", () => {
  it("nests the breadth-first listing, folders first, names in natural order", () => {
    const tree = buildFileTree([
      ["report 10.csv", "file", 10, at, ""],
      ["charts", "directory", 0, at, ""],
      ["report 2.csv", "file", 20, at, ""],
      ["node_modules", "directory", 0, at, "skipped"],
      ["Zeta.txt", "file", 1, at, ""],
      ["alpha.txt", "file", 1, at, ""],
      ["charts/b.png", "file", 5, at, ""],
      ["charts/a.png", "file", 5, at, ""],
      ["charts/big", "directory", 0, at, "truncated"],
      ["charts/big/x", "symlink", 0, at, ""],
    ]);
    expect(tree.map((entry) => entry.name)).toEqual(["charts", "node_modules", "alpha.txt", "report 2.csv", "report 10.csv", "Zeta.txt"]);
    expect(tree[0]).toMatchObject({ path: "charts", type: "directory", modifiedAt: "2025-01-02T03:04:05.000Z" });
    expect(tree[0]?.children?.map((entry) => entry.path)).toEqual(["charts/big", "charts/a.png", "charts/b.png"]);
    expect(tree[0]?.children?.[0]).toMatchObject({ truncated: true, children: [{ path: "charts/big/x", type: "symlink" }] });
    expect(tree[1]).toMatchObject({ skipped: true, children: [] });
    expect(tree[2]).not.toHaveProperty("children");
  });

  it("drops entries whose folder is not in the listing", () => {
    expect(buildFileTree([["orphan/x.txt", "file", 1, at, ""]])).toEqual([]);
  });
});

describe("file types", () => {
  it("previews images, tables, HTML and text by extension, case-insensitively", () => {
    expect(fileTypeOf("Plot.PNG")).toMatchObject({ contentType: "image/png", preview: "image" });
    expect(fileTypeOf("data.csv").preview).toBe("csv");
    expect(fileTypeOf("data.tsv").preview).toBe("csv");
    expect(fileTypeOf("chart.html")).toMatchObject({ contentType: "text/html; charset=utf-8", preview: "html" });
    expect(fileTypeOf("analysis.py")).toMatchObject({ preview: "text", language: "python" });
    expect(fileTypeOf("README").preview).toBe("text");
    expect(fileTypeOf("archive.tar.xz")).toMatchObject({ contentType: "application/octet-stream", preview: "none" });
    expect(fileTypeOf(".env").preview).toBe("none");
  });

  it("never serves code as something a browser would run", () => {
    for (const name of ["a.js", "a.mjs", "a.ts", "a.css", "a.xml", "a.sh"]) {
      expect(fileTypeOf(name).contentType, name).toBe("text/plain; charset=utf-8");
    }
  });

  it("formats sizes for people", () => {
    expect(formatFileSize(0)).toBe("0 B");
    expect(formatFileSize(1023)).toBe("1023 B");
    expect(formatFileSize(1536)).toBe("1.5 KB");
    expect(formatFileSize(25 * 1024 * 1024)).toBe("25 MB");
    expect(formatFileSize(3 * 1024 ** 4)).toBe("3 TB");
  });

  it("builds content URLs with every character of the path escaped", () => {
    expect(fileContentUrl("a1", "r&d/it's #1?.csv", { download: true })).toBe("/api/agents/a1/files/content?path=r%26d%2Fit%27s+%231%3F.csv&download=1");
  });
});

describe("limits", () => {
  it("defaults uploads to 25 MB and takes FILES_MAX_UPLOAD_MB when configured", () => {
    const config = configSchema.parse({});
    expect(agentFileLimitsFrom(config)).toEqual(defaultAgentFileLimits);
    expect(defaultAgentFileLimits.maxUploadBytes).toBe(25 * 1024 * 1024);
    expect(agentFileLimitsFrom({ ...config, FILES_MAX_UPLOAD_MB: 5 }).maxUploadBytes).toBe(5 * 1024 * 1024);
  });
});
