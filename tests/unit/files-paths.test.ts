import { describe, expect, it } from "vitest";

import { AppError } from "@/lib/errors";
import { baseNameOf, contentDisposition, joinAgentPath, MAX_NAME_BYTES, MAX_PATH_DEPTH, parseAgentFilePath } from "@/server/files/file-paths";

const read = (input: unknown, extra: { allowRoot?: boolean; agentWorkdir?: string } = {}) => parseAgentFilePath(input, { purpose: "read", ...extra });
const write = (input: unknown) => parseAgentFilePath(input, { purpose: "write" });

function refusal(call: () => unknown): AppError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("bad_request");
    return error as AppError;
  }
  throw new Error("expected the path to be refused");
}

describe("paths inside an agent's folder", () => {
  it("accepts ordinary relative paths and tidies separators", () => {
    expect(read("report.csv")).toBe("report.csv");
    expect(read("charts/2024/sales.png")).toBe("charts/2024/sales.png");
    expect(read("./charts//sales.png")).toBe("charts/sales.png");
    expect(read("charts/")).toBe("charts");
    expect(read("a/./b")).toBe("a/b");
  });

  it("refuses going up, at any position and in any spelling that reaches '..'", () => {
    for (const input of ["..", "../x", "a/../../x", "a/..", "a/b/../../..", "./../x", "a//..//b"]) {
      expect(refusal(() => read(input)).message, input).toMatch(/\.\./);
    }
  });

  it("keeps '..' inside a longer name, which is just a name", () => {
    expect(read("notes..txt")).toBe("notes..txt");
    expect(read("...")).toBe("...");
    expect(read("a/..b/c")).toBe("a/..b/c");
  });

  it("refuses absolute, home and drive paths", () => {
    for (const input of ["/etc/passwd", "//server/share", "~", "~/notes", "C:/Windows", "c:/x"]) {
      expect(refusal(() => read(input)).message, input).toMatch(/full path/);
    }
    expect(read("~notes.txt")).toBe("~notes.txt");
    expect(read("C:notes")).toBe("C:notes");
  });

  it("accepts an absolute path the agent wrote when it lies inside its own folder", () => {
    const agentWorkdir = "/workspace/agent-a1";
    expect(read("/workspace/agent-a1/plots/fig.png", { agentWorkdir })).toBe("plots/fig.png");
    expect(read("/workspace/agent-a1", { agentWorkdir, allowRoot: true })).toBe("");
    expect(refusal(() => read("/workspace/agent-a10/x.png", { agentWorkdir })).message).toMatch(/full path/);
    expect(refusal(() => read("/workspace/agent-a1/../agent-b/x", { agentWorkdir })).message).toMatch(/\.\./);
    expect(refusal(() => read("/workspace/.claude-agents/a1/creds", { agentWorkdir })).message).toMatch(/full path/);
  });

  it("refuses NUL, control characters and backslashes", () => {
    expect(refusal(() => read("a\u0000b")).message).toMatch(/NUL/);
    for (const input of ["line\nbreak.txt", "tab\there", "bell\u0007", "del\u007f", "c1\u0085x", "esc\u001b[31m"]) {
      expect(refusal(() => read(input)).message, JSON.stringify(input)).toMatch(/control characters/);
    }
    expect(refusal(() => read("a\\b")).message).toMatch(/"\/"/);
    expect(refusal(() => read("..\\..\\x")).message).toMatch(/"\/"/);
  });

  it("normalises Unicode to NFC and refuses spoofing and broken characters", () => {
    expect(read("Cafe\u0301.txt")).toBe("Caf\u00e9.txt");
    expect(read("数据/图表.png")).toBe("数据/图表.png");
    expect(read("👩‍💻 notes.md")).toBe("👩‍💻 notes.md");
    expect(refusal(() => read("invoice\u202egpj.exe")).message).toMatch(/reading direction/);
    expect(refusal(() => read("x\u2066y")).message).toMatch(/reading direction/);
    expect(refusal(() => read("broken\ud800.txt")).message).toMatch(/broken/);
    expect(refusal(() => read("broken\udc00.txt")).message).toMatch(/broken/);
  });

  it("treats shell metacharacters and quotes as ordinary characters", () => {
    for (const name of [`it's "quoted".txt`, "$(rm -rf ~).csv", "`id`.txt", "a;b|c&d>e<f.txt", "-rf", "--help", "*.png", "$HOME", "a b  c.txt"]) {
      expect(read(name), name).toBe(name);
      expect(write(name), name).toBe(name);
    }
  });

  it("refuses hidden names for uploads only", () => {
    expect(read(".claude/settings.json")).toBe(".claude/settings.json");
    expect(refusal(() => write(".claude/settings.json")).message).toMatch(/hidden/);
    expect(refusal(() => write("reports/.env")).message).toMatch(/"\.env"/);
    expect(write("reports/v1.2.csv")).toBe("reports/v1.2.csv");
  });

  it("refuses the folder itself unless asked for", () => {
    for (const input of ["", ".", "./", "/"]) refusal(() => read(input));
    expect(read("", { allowRoot: true })).toBe("");
    expect(read("./", { allowRoot: true })).toBe("");
  });

  it("refuses non-strings, blank names and oversized paths", () => {
    for (const input of [undefined, null, 42, ["a"], { path: "a" }]) refusal(() => read(input));
    expect(refusal(() => read("a/   /b")).message).toMatch(/spaces/);
    expect(read("x".repeat(MAX_NAME_BYTES))).toHaveLength(MAX_NAME_BYTES);
    expect(refusal(() => read("x".repeat(MAX_NAME_BYTES + 1))).message).toMatch(/255 bytes/);
    // Multi-byte characters count in bytes, like the file system does.
    expect(refusal(() => read("é".repeat(128))).message).toMatch(/255 bytes/);
    expect(refusal(() => read(Array.from({ length: MAX_PATH_DEPTH + 1 }, () => "d").join("/"))).message).toMatch(/deep/);
    expect(refusal(() => read(Array.from({ length: 8 }, () => "y".repeat(200)).join("/"))).message).toMatch(/1024 bytes/);
  });

  it("reports refusals as a field issue on path", () => {
    expect(refusal(() => read("../x")).issues).toEqual([{ path: "path", message: expect.stringContaining("..") }]);
  });
});

describe("path helpers", () => {
  it("splits and joins checked paths", () => {
    expect(baseNameOf("a/b/c.txt")).toBe("c.txt");
    expect(baseNameOf("c.txt")).toBe("c.txt");
    expect(joinAgentPath("", "c.txt")).toBe("c.txt");
    expect(joinAgentPath("a/b", "c.txt")).toBe("a/b/c.txt");
  });
});

describe("Content-Disposition", () => {
  it("keeps plain names readable", () => {
    expect(contentDisposition("inline", "chart.png")).toBe(`inline; filename="chart.png"; filename*=UTF-8''chart.png`);
  });

  it("encodes any name so it can't break out of the header", () => {
    const header = contentDisposition("attachment", `evil"; filename="x.exe\r\nSet-Cookie: a=b.txt`);
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.match(/"/g)).toHaveLength(2);
    expect(header).toContain("filename*=UTF-8''evil%22%3B%20filename%3D%22x.exe%0D%0ASet-Cookie%3A%20a%3Db.txt");
  });

  it("gives non-ASCII names an ASCII fallback and the exact UTF-8 name", () => {
    expect(contentDisposition("attachment", "Résumé 数据.csv")).toBe(
      `attachment; filename="R_sum_ __.csv"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%E6%95%B0%E6%8D%AE.csv`,
    );
    expect(contentDisposition("attachment", "it's (1).txt")).toContain("filename*=UTF-8''it%27s%20%281%29.txt");
  });
});
