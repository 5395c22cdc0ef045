import type { Notification } from "@/lib/records";

/** Green for finished, red for failed, amber for interrupted. */
export function KindDot({ kind }: { kind: Notification["kind"] }) {
  const color = kind === "run_complete" ? "bg-success" : kind === "run_failed" ? "bg-danger" : "bg-warning";
  return <span aria-hidden className={`mt-1.5 h-2 w-2 shrink-0 rounded-full ${color}`} />;
}
