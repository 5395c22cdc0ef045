import { describe, expect, it } from "vitest";
import { fileContentUrl } from "@/lib/file-urls";
import { sharedFileContentUrl } from "@/lib/shared-file-urls";
import { isPlatformImageSource, outsideImageHost } from "@/lib/markdown-images";

describe("which Markdown images load", () => {
  it.each([
    ["the agent's own file, as the platform links it", fileContentUrl("agent_1", "plots/chart.png")],
    ["the agent's own file with a version", fileContentUrl("agent_1", "chart.png", { version: "17" })],
    ["a shared conversation's image, as the share page links it", sharedFileContentUrl("AbCdEfGhIjKlMnOpQrStUv", "plots/chart.png")],
    ["a data: image", "data:image/png;base64,iVBORw0KGgo="],
    ["a blob: image", "blob:http://localhost:3000/6f1c2a5e-0d1e-4e8a-9a77-1d2b3c4d5e6f"],
  ])("loads %s", (_label, src) => {
    expect(isPlatformImageSource(src)).toBe(true);
  });

  it.each([
    ["an image elsewhere", "http://127.0.0.1:9999/x.png"],
    ["an https image elsewhere", "https://tracker.example/pixel.gif?user=ada"],
    ["a protocol-relative one", "//tracker.example/api/agents/a/files/content?path=x"],
    ["an outside host with the platform's path", "https://tracker.example/api/agents/a/files/content?path=x"],
    ["another API path of the platform", "/api/agents/a/files/archive"],
    ["another share API path", "/api/share/AbCdEfGhIjKlMnOpQrStUv/use"],
    ["an outside host with the share page's path", "https://tracker.example/api/share/t/files/content?path=x"],
    ["a share path that climbs out", "/api/share/t/../../agents/a/files/content?path=x"],
    ["a backslash trick", "/\\tracker.example/api/agents/a/files/content"],
    ["a data: page that is not an image", "data:text/html,<script>alert(1)</script>"],
    ["a relative name", "chart.png"],
  ])("does not load %s", (_label, src) => {
    expect(isPlatformImageSource(src)).toBe(false);
  });

  it("names the host an outside image would come from, and none for what is not http(s)", () => {
    expect(outsideImageHost("http://127.0.0.1:9999/x.png")).toBe("127.0.0.1:9999");
    expect(outsideImageHost("javascript:alert(1)")).toBeNull();
    expect(outsideImageHost("")).toBeNull();
  });
});
