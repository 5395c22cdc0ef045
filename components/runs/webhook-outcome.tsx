import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { RunWebhookDelivery, WebhookOutcome } from "@/lib/records";

const outcomeLabels: Record<WebhookOutcome, [string, BadgeTone]> = {
  delivered: ["Webhook sent", "success"],
  refused: ["Webhook refused", "danger"],
  failed: ["Webhook failed", "warning"],
};

/** What became of a run's webhook, in the run list and on the schedule card alike. */
export function WebhookOutcomeNote({ delivery }: { delivery: RunWebhookDelivery }) {
  const [label, tone] = outcomeLabels[delivery.outcome];
  return (
    <p className="flex flex-wrap items-center gap-2 text-xs" data-testid="webhook-outcome" data-outcome={delivery.outcome}>
      <Badge tone={tone}>{label}</Badge>
      {delivery.outcome === "delivered" ? null : <span className={tone === "danger" ? "text-danger" : "text-ink-muted"}>{delivery.message}</span>}
    </p>
  );
}
