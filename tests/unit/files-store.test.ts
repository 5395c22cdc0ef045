import { describe, expect, it, vi } from "vitest";

import { ApiError } from "@/lib/api-client";
import type { FileEntry, FileTreeResponse, UploadOptions } from "@/lib/file-api";
import { createFilesStore, initialFilesState, uploadFolderFor, type FilesApi } from "@/stores/files-store";

const file = (path: string, size = 1): FileEntry => ({ name: path.split("/").pop()!, path, type: "file", size, modifiedAt: "2025-01-01T00:00:00.000Z" });
const folder = (path: string, children: FileEntry[]): FileEntry => ({ ...file(path, 0), type: "directory", children });

function treeOf(entries: FileEntry[]): FileTreeResponse {
  return { entries, entryCount: entries.length, truncated: false, limits: { maxUploadBytes: 100, previewMaxBytes: 10 } };
}

function fakeApi(initial: FileEntry[]) {
  let entries = initial;
  const uploads: string[] = [];
  const api: FilesApi = {
    fetchTree: vi.fn(async () => treeOf(entries)),
    upload: vi.fn(async (_agentId: string, path: string, blob: Blob, options: UploadOptions) => {
      options.onProgress?.(blob.size / 2, blob.size);
      if (path.endsWith("refused.txt")) throw new ApiError({ code: "bad_request", message: "Not allowed." }, 400);
      uploads.push(path);
      entries = [...entries, file(path, blob.size)];
      return { file: file(path, blob.size) };
    }),
    remove: vi.fn(async (_agentId: string, path: string) => {
      entries = entries.filter((entry) => entry.path !== path);
    }),
  };
  return { api, uploads };
}

describe("files store", () => {
  it("loads an agent's tree and starts clean when the agent changes", async () => {
    const { api } = fakeApi([folder("charts", [file("charts/a.png")])]);
    const store = createFilesStore(api);
    await store.getState().load("agent-1");
    expect(store.getState()).toMatchObject({ agentId: "agent-1", status: "ready", entryCount: 1, limits: { maxUploadBytes: 100 } });

    store.getState().select("charts/a.png");
    store.getState().toggleFolder("charts");
    await store.getState().load("agent-2");
    expect(store.getState()).toMatchObject({ agentId: "agent-2", selectedPath: null, expanded: {} });
  });

  it("uploads into the selected folder one file at a time, with progress, then refreshes", async () => {
    const { api, uploads } = fakeApi([folder("reports", [file("reports/old.csv")])]);
    const store = createFilesStore(api);
    await store.getState().load("agent-1");
    store.getState().select("reports/old.csv");
    expect(uploadFolderFor(store.getState())).toBe("reports");

    await store.getState().upload([new File(["abcd"], "new.csv"), new File(["x"], "refused.txt")], "reports");
    expect(uploads).toEqual(["reports/new.csv"]);
    // The finished upload left the list (it is in the tree now); the refused one stays with its reason.
    expect(store.getState().uploads).toEqual([expect.objectContaining({ name: "refused.txt", status: "failed", error: { code: "bad_request", message: "Not allowed." } })]);
    expect(store.getState().expanded.reports).toBe(true);
    expect(api.fetchTree).toHaveBeenCalledTimes(2);
  });

  it("refuses files over the limit before sending them", async () => {
    const { api } = fakeApi([]);
    const store = createFilesStore(api);
    await store.getState().load("agent-1");
    await store.getState().upload([new File([new Uint8Array(101)], "huge.bin")], "");
    expect(api.upload).not.toHaveBeenCalled();
    expect(store.getState().uploads[0]).toMatchObject({ status: "failed", error: { code: "payload_too_large" } });
    store.getState().dismissUpload(store.getState().uploads[0]!.id);
    expect(store.getState().uploads).toEqual([]);
  });

  it("deletes only after confirmation and forgets the selection", async () => {
    const { api } = fakeApi([file("a.txt"), file("b.txt")]);
    const store = createFilesStore(api);
    await store.getState().load("agent-1");
    store.getState().select("a.txt");
    await store.getState().confirmDelete();
    expect(api.remove).not.toHaveBeenCalled();

    store.getState().askToDelete("a.txt");
    await store.getState().confirmDelete();
    expect(api.remove).toHaveBeenCalledWith("agent-1", "a.txt");
    expect(store.getState()).toMatchObject({ selectedPath: null, confirmingDelete: null, deleting: false });
    expect(store.getState().entries.map((entry) => entry.path)).toEqual(["b.txt"]);
  });

  it("keeps a failed deletion's reason and the last tree on a failed refresh", async () => {
    const { api } = fakeApi([file("a.txt")]);
    const store = createFilesStore(api);
    await store.getState().load("agent-1");
    vi.mocked(api.remove).mockRejectedValueOnce(new ApiError({ code: "not_found", message: "Gone." }, 404));
    store.getState().askToDelete("a.txt");
    await store.getState().confirmDelete();
    expect(store.getState().deleteError).toEqual({ code: "not_found", message: "Gone." });

    vi.mocked(api.fetchTree).mockRejectedValueOnce(new ApiError({ code: "workspace_unavailable", message: "Down." }, 503));
    await store.getState().refresh();
    expect(store.getState()).toMatchObject({ status: "error", error: { code: "workspace_unavailable" } });
    expect(store.getState().entries).toHaveLength(1);
  });

  it("resets to the initial state", async () => {
    const { api } = fakeApi([file("a.txt")]);
    const store = createFilesStore(api);
    await store.getState().load("agent-1");
    store.getState().reset();
    const { load: _load, refresh: _refresh, select: _select, toggleFolder: _toggle, upload: _upload, cancelUpload: _cancel, dismissUpload: _dismiss, askToDelete: _ask, confirmDelete: _confirm, reset: _reset, ...state } = store.getState();
    expect(state).toEqual(initialFilesState);
  });
});
