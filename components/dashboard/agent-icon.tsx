import type { ReactNode } from "react";
import type { AgentIconName } from "@/lib/agent-templates";

export type IconName = AgentIconName | "plus" | "search" | "sparkles";

// Simple line drawings on a 24×24 grid; they inherit the text colour.
const paths: Record<IconName, ReactNode> = {
  table: (
    <>
      <rect x="3.5" y="4.5" width="17" height="15" rx="2" />
      <path d="M3.5 9.5h17M3.5 14.5h17M9.5 9.5v10" />
    </>
  ),
  globe: (
    <>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M3.5 12h17M12 3.5c2.4 2.6 3.5 5.4 3.5 8.5s-1.1 5.9-3.5 8.5M12 3.5C9.6 6.1 8.5 8.9 8.5 12s1.1 5.9 3.5 8.5" />
    </>
  ),
  spreadsheet: (
    <>
      <path d="M14 3.5H7a2 2 0 0 0-2 2v13a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-10z" />
      <path d="M14 3.5v5h5M8.5 11.5h7v6h-7zM8.5 14.5h7M12 11.5v6" />
    </>
  ),
  sparkles: (
    <path d="M11 3.5l1.9 5.1 5.1 1.9-5.1 1.9L11 17.5l-1.9-5.1L4 10.5l5.1-1.9zM18 14.5l.8 1.7 1.7.8-1.7.8-.8 1.7-.8-1.7-1.7-.8 1.7-.8z" />
  ),
  "line-chart": <path d="M4 4.5v15h16M7.5 15l3.5-4 3 2.5 5-6" />,
  code: <path d="M9 7.5L4.5 12 9 16.5M15 7.5l4.5 4.5-4.5 4.5M13.2 5.5l-2.4 13" />,
  clipboard: (
    <>
      <path d="M9 5H7a2 2 0 0 0-2 2v11.5a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-2" />
      <rect x="9" y="3.5" width="6" height="3" rx="1" />
      <path d="M8.5 12l1.5 1.5 2.5-2.5M14.5 12.5h1.5M8.5 17h7" />
    </>
  ),
  tag: (
    <>
      <path d="M3.5 12.3V4.5a1 1 0 0 1 1-1h7.8a1 1 0 0 1 .7.3l7.7 7.7a1 1 0 0 1 0 1.4l-7.8 7.8a1 1 0 0 1-1.4 0l-7.7-7.7a1 1 0 0 1-.3-.7z" />
      <circle cx="8" cy="8" r="1.5" />
    </>
  ),
  plus: <path d="M12 5v14M5 12h14" />,
  search: (
    <>
      <circle cx="10.5" cy="10.5" r="6" />
      <path d="M15 15l5 5" />
    </>
  ),
};

export function LineIcon({ name, className = "h-5 w-5" }: { name: IconName; className?: string }) {
  return (
    <svg
      aria-hidden
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.75"
      strokeLinecap="round"
      strokeLinejoin="round"
      className={className}
    >
      {paths[name]}
    </svg>
  );
}

/** A template's icon, or the name's first letter for agents made blank. Decorative: the name is next to it. */
export function AgentIcon({ icon, name, muted = false }: { icon?: IconName; name: string; muted?: boolean }) {
  return (
    <span
      aria-hidden
      className={`grid h-10 w-10 shrink-0 place-items-center rounded-lg ${muted ? "bg-surface-muted text-ink-muted" : "bg-accent/10 text-accent"}`}
    >
      {icon ? <LineIcon name={icon} /> : <span className="text-base font-semibold">{name.trim().charAt(0).toUpperCase() || "?"}</span>}
    </span>
  );
}
