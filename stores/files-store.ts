import { createStore, type StoreApi } from "zustand/vanilla";
import { asErrorPayload } from "../lib/api-client";
import type { ErrorPayload } from "../lib/errors";
import type { WorkspaceDiskUsage } from "../lib/workspace-disk";
import {
  deleteAgentFile,
  fetchFileTree,
  formatFileSize,
  uploadAgentFile,
  type FileEntry,
  type FileLimits,
  type FileTreeResponse,
  type UploadOptions,
  type UploadResponse,
} from "../lib/file-api";

/** The REST calls the store makes; tests pass stand-ins. */
export interface FilesApi {
  fetchTree(agentId: string, init: { signal?: AbortSignal }): Promise<FileTreeResponse>;
  upload(agentId: string, path: string, file: Blob, options: UploadOptions): Promise<UploadResponse>;
  remove(agentId: string, path: string): Promise<void>;
}

export const browserFilesApi: FilesApi = { fetchTree: fetchFileTree, upload: uploadAgentFile, remove: deleteAgentFile };

export type UploadStatus = "waiting" | "uploading" | "done" | "failed" | "cancelled";

export interface UploadItem {
  id: string;
  name: string;
  /** Where it goes, relative to the agent's folder. */
  path: string;
  loadedBytes: number;
  totalBytes: number;
  status: UploadStatus;
  error: ErrorPayload | null;
}

export interface FilesState {
  agentId: string | null;
  entries: FileEntry[];
  entryCount: number;
  truncated: boolean;
  limits: FileLimits | null;
  /** The workspace disk, shared by all the person's agents; null until listed or when it could not be measured. */
  disk: WorkspaceDiskUsage | null;
  /** "loading" only before the first answer; a refresh keeps showing the last tree. */
  status: "idle" | "loading" | "ready" | "error";
  refreshing: boolean;
  error: ErrorPayload | null;
  selectedPath: string | null;
  /** Folders the person opened, by path. */
  expanded: Record<string, boolean>;
  uploads: UploadItem[];
  /** The path waiting for the person to confirm its deletion. */
  confirmingDelete: string | null;
  deleting: boolean;
  deleteError: ErrorPayload | null;
}

export interface FilesActions {
  /** Shows an agent's files; loading another agent starts from a clean state. */
  load(agentId: string): Promise<void>;
  refresh(): Promise<void>;
  select(path: string | null): void;
  toggleFolder(path: string): void;
  /** Uploads one after another into `folder` ("" is the agent's folder). */
  upload(files: readonly File[], folder: string): Promise<void>;
  cancelUpload(id: string): void;
  dismissUpload(id: string): void;
  askToDelete(path: string | null): void;
  confirmDelete(): Promise<void>;
  reset(): void;
}

export type FilesStore = StoreApi<FilesState & FilesActions>;

export const initialFilesState: FilesState = {
  agentId: null,
  entries: [],
  entryCount: 0,
  truncated: false,
  limits: null,
  disk: null,
  status: "idle",
  refreshing: false,
  error: null,
  selectedPath: null,
  expanded: {},
  uploads: [],
  confirmingDelete: null,
  deleting: false,
  deleteError: null,
};

export function findEntry(entries: readonly FileEntry[], path: string): FileEntry | undefined {
  for (const entry of entries) {
    if (entry.path === path) return entry;
    if (entry.children && path.startsWith(`${entry.path}/`)) return findEntry(entry.children, path);
  }
  return undefined;
}

/** Where an upload lands: the selected folder, the selected file's folder, or the top. */
export function uploadFolderFor(state: Pick<FilesState, "entries" | "selectedPath">): string {
  if (!state.selectedPath) return "";
  const selected = findEntry(state.entries, state.selectedPath);
  if (selected?.type === "directory") return selected.path;
  const slash = state.selectedPath.lastIndexOf("/");
  return slash < 0 ? "" : state.selectedPath.slice(0, slash);
}

let uploadCounter = 0;

/**
 * One store per files panel, made in the component (not at module level), so server rendering
 * never shares it and two panels never mix their agents.
 */
export function createFilesStore(api: FilesApi = browserFilesApi): FilesStore {
  const uploadControllers = new Map<string, AbortController>();
  let loadController: AbortController | null = null;

  return createStore<FilesState & FilesActions>()((set, get) => {
    const updateUpload = (id: string, patch: Partial<UploadItem>) =>
      set((state) => ({ uploads: state.uploads.map((item) => (item.id === id ? { ...item, ...patch } : item)) }));

    const fetchTree = async (agentId: string) => {
      loadController?.abort();
      const controller = new AbortController();
      loadController = controller;
      set({ status: get().status === "ready" ? "ready" : "loading", refreshing: true, error: null });
      try {
        const tree = await api.fetchTree(agentId, { signal: controller.signal });
        if (controller.signal.aborted || get().agentId !== agentId) return;
        const selectedPath = get().selectedPath;
        set({
          entries: tree.entries,
          entryCount: tree.entryCount,
          truncated: tree.truncated,
          limits: tree.limits,
          disk: tree.disk ?? null,
          status: "ready",
          refreshing: false,
          // A file that vanished (the agent deleted it) is no longer selected.
          selectedPath: selectedPath && findEntry(tree.entries, selectedPath) ? selectedPath : null,
          // Finished uploads are visible in the tree now.
          uploads: get().uploads.filter((item) => item.status !== "done"),
        });
      } catch (error) {
        if (controller.signal.aborted || get().agentId !== agentId) return;
        set({ status: "error", refreshing: false, error: asErrorPayload(error) });
      } finally {
        if (loadController === controller) loadController = null;
      }
    };

    const uploadOne = async (agentId: string, item: UploadItem, file: File) => {
      const limit = get().limits?.maxUploadBytes;
      if (limit !== undefined && file.size > limit) {
        updateUpload(item.id, {
          status: "failed",
          error: { code: "payload_too_large", message: `"${file.name}" is ${formatFileSize(file.size)}; files can be at most ${formatFileSize(limit)}.` },
        });
        return;
      }
      const controller = new AbortController();
      uploadControllers.set(item.id, controller);
      updateUpload(item.id, { status: "uploading" });
      try {
        await api.upload(agentId, item.path, file, {
          signal: controller.signal,
          onProgress: (loadedBytes, totalBytes) => updateUpload(item.id, { loadedBytes, totalBytes }),
        });
        updateUpload(item.id, { status: "done", loadedBytes: item.totalBytes });
      } catch (error) {
        if (controller.signal.aborted) updateUpload(item.id, { status: "cancelled" });
        else updateUpload(item.id, { status: "failed", error: asErrorPayload(error) });
      } finally {
        uploadControllers.delete(item.id);
      }
    };

    return {
      ...initialFilesState,

      load: async (agentId) => {
        if (get().agentId !== agentId) {
          for (const controller of uploadControllers.values()) controller.abort();
          set({ ...initialFilesState, agentId });
        }
        await fetchTree(agentId);
      },

      refresh: async () => {
        const { agentId } = get();
        if (agentId) await fetchTree(agentId);
      },

      select: (path) => set({ selectedPath: path, confirmingDelete: null, deleteError: null }),

      toggleFolder: (path) => set((state) => ({ expanded: { ...state.expanded, [path]: !state.expanded[path] } })),

      upload: async (files, folder) => {
        const { agentId } = get();
        if (!agentId || files.length === 0) return;
        const batch = files.map((file) => {
          uploadCounter += 1;
          const item: UploadItem = {
            id: `upload-${uploadCounter}`,
            name: file.name,
            path: folder === "" ? file.name : `${folder}/${file.name}`,
            loadedBytes: 0,
            totalBytes: file.size,
            status: "waiting",
            error: null,
          };
          return { item, file };
        });
        set((state) => ({
          uploads: [...state.uploads.filter((item) => item.status !== "done"), ...batch.map(({ item }) => item)],
          expanded: folder === "" ? state.expanded : { ...state.expanded, [folder]: true },
        }));
        // One at a time: the person's upload bandwidth is shared anyway, and progress reads clearly.
        for (const { item, file } of batch) {
          if (get().agentId !== agentId) return;
          if (get().uploads.find((upload) => upload.id === item.id)?.status !== "waiting") continue;
          await uploadOne(agentId, item, file);
        }
        if (get().agentId === agentId) await fetchTree(agentId);
      },

      cancelUpload: (id) => {
        const controller = uploadControllers.get(id);
        if (controller) controller.abort();
        else updateUpload(id, { status: "cancelled" });
      },

      dismissUpload: (id) => set((state) => ({ uploads: state.uploads.filter((item) => item.id !== id) })),

      askToDelete: (path) => set({ confirmingDelete: path, deleteError: null }),

      confirmDelete: async () => {
        const { agentId, confirmingDelete: path } = get();
        if (!agentId || !path) return;
        set({ deleting: true, deleteError: null });
        try {
          await api.remove(agentId, path);
          const selectedPath = get().selectedPath;
          set({
            deleting: false,
            confirmingDelete: null,
            selectedPath: selectedPath === path || selectedPath?.startsWith(`${path}/`) ? null : selectedPath,
          });
          await fetchTree(agentId);
        } catch (error) {
          set({ deleting: false, deleteError: asErrorPayload(error) });
        }
      },

      reset: () => {
        loadController?.abort();
        for (const controller of uploadControllers.values()) controller.abort();
        uploadControllers.clear();
        set(initialFilesState);
      },
    };
  });
}
