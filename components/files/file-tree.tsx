"use client";

import { fileTypeOf, formatFileSize, type FileEntry } from "@/lib/file-api";

export interface FileTreeProps {
  entries: readonly FileEntry[];
  selectedPath: string | null;
  expanded: Readonly<Record<string, boolean>>;
  onSelect: (path: string) => void;
  onToggleFolder: (path: string) => void;
}

function EntryIcon({ entry, open }: { entry: FileEntry; open: boolean }) {
  const common = "h-4 w-4 shrink-0";
  if (entry.type === "directory") {
    return (
      <svg aria-hidden viewBox="0 0 20 20" className={`${common} text-accent`} fill="currentColor">
        {open ? (
          <path d="M2 5.5A1.5 1.5 0 0 1 3.5 4h4l2 2h7A1.5 1.5 0 0 1 18 7.5V8H5.2a1.5 1.5 0 0 0-1.4 1L2 14.5v-9Zm1.2 10.5 2.3-6.3a.8.8 0 0 1 .7-.5h12.3l-2.4 6.3a.8.8 0 0 1-.7.5H3.2Z" />
        ) : (
          <path d="M2 5.5A1.5 1.5 0 0 1 3.5 4h4l2 2h7A1.5 1.5 0 0 1 18 7.5v7a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 2 14.5v-9Z" />
        )}
      </svg>
    );
  }
  const kind = fileTypeOf(entry.name).preview;
  const tone = kind === "image" ? "text-success" : kind === "csv" ? "text-warning" : "text-ink-muted";
  return (
    <svg aria-hidden viewBox="0 0 20 20" className={`${common} ${tone}`} fill="none" stroke="currentColor" strokeWidth="1.5">
      <path d="M5 2.75h6.5L15.25 6.5v10.75H5z" strokeLinejoin="round" />
      <path d="M11.5 2.75V6.5h3.75" strokeLinejoin="round" />
      {entry.type === "symlink" ? <path d="M8 13.5h4m-1.5-1.5 1.5 1.5-1.5 1.5" strokeLinecap="round" /> : null}
    </svg>
  );
}

function TreeLevel({ entries, depth, ...props }: FileTreeProps & { depth: number }) {
  return (
    <ul role={depth === 0 ? "tree" : "group"} aria-label={depth === 0 ? "Files" : undefined} className="space-y-px">
      {entries.map((entry) => {
        const isFolder = entry.type === "directory";
        const open = isFolder && Boolean(props.expanded[entry.path]);
        const selected = props.selectedPath === entry.path;
        return (
          <li key={entry.path} role="treeitem" aria-selected={selected} aria-expanded={isFolder ? open : undefined} aria-level={depth + 1}>
            <button
              type="button"
              data-testid="file-entry"
              data-path={entry.path}
              onClick={() => {
                props.onSelect(entry.path);
                if (isFolder) props.onToggleFolder(entry.path);
              }}
              title={entry.path}
              className={`flex w-full items-center gap-1.5 rounded-md py-1 pr-2 text-left text-sm ${
                selected ? "bg-accent/10 text-ink" : "text-ink hover:bg-surface-muted"
              }`}
              style={{ paddingLeft: `${0.5 + depth * 1}rem` }}
            >
              <span aria-hidden className={`w-3 shrink-0 text-[10px] text-ink-muted transition-transform ${open ? "rotate-90" : ""}`}>
                {isFolder ? "▶" : ""}
              </span>
              <EntryIcon entry={entry} open={open} />
              <span className="min-w-0 flex-1 truncate">{entry.name}</span>
              {entry.type === "file" ? <span className="shrink-0 text-xs text-ink-muted tabular-nums">{formatFileSize(entry.size)}</span> : null}
            </button>
            {open ? (
              entry.skipped ? (
                <p className="py-1 text-xs text-ink-muted" style={{ paddingLeft: `${2.25 + depth * 1}rem` }}>
                  Not listed: this folder holds tools&apos; internal files.
                </p>
              ) : entry.children && entry.children.length > 0 ? (
                <>
                  <TreeLevel {...props} entries={entry.children} depth={depth + 1} />
                  {entry.truncated ? (
                    <p className="py-1 text-xs text-ink-muted" style={{ paddingLeft: `${2.25 + depth * 1}rem` }}>
                      More files are in this folder than can be shown.
                    </p>
                  ) : null}
                </>
              ) : (
                <p className="py-1 text-xs text-ink-muted" style={{ paddingLeft: `${2.25 + depth * 1}rem` }}>
                  Empty folder
                </p>
              )
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** The agent's folder as an expandable list; selecting a folder also opens or closes it. */
export function FileTree(props: FileTreeProps) {
  return <TreeLevel {...props} depth={0} />;
}
