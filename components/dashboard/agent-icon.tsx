/** A template's emoji, or the name's first letter for agents made blank. Decorative: the name is next to it. */
export function AgentIcon({ icon, name, size = "md" }: { icon?: string; name: string; size?: "md" | "lg" }) {
  const box = size === "lg" ? "h-12 w-12 text-2xl" : "h-10 w-10 text-xl";
  return (
    <span aria-hidden className={`grid shrink-0 place-items-center rounded-lg bg-surface-muted ${box}`}>
      {icon ?? <span className="text-base font-semibold text-accent">{name.trim().charAt(0).toUpperCase() || "?"}</span>}
    </span>
  );
}
