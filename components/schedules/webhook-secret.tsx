"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { webhookSignatureHeader, webhookTimestampHeader } from "@/lib/schedule-api";

/** The agent's webhook signing secret, and how a receiver checks a request really came from us. */
export function WebhookSecret({ secret }: { secret: string | null }) {
  const [shown, setShown] = useState(false);
  return (
    <div className="flex flex-col gap-2 rounded-md border border-border p-3 text-xs text-ink-muted" data-testid="webhook-secret">
      {secret ? (
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-medium text-ink">Signing secret</span>
          <code className="max-w-full truncate rounded bg-surface-muted px-1.5 py-0.5 font-mono text-ink">{shown ? secret : "•".repeat(24)}</code>
          <Button size="sm" variant="ghost" onClick={() => setShown((value) => !value)}>
            {shown ? "Hide" : "Show"}
          </Button>
        </div>
      ) : (
        <p>A signing secret is made for this agent when you save a schedule with a webhook; it shows here after that.</p>
      )}
      <p>
        To check a request really came from AgentDesk: join the <code className="font-mono text-ink">{webhookTimestampHeader}</code> header, a dot and the raw request body;
        compute its HMAC-SHA256 with the secret, as hex; it must equal the <code className="font-mono text-ink">{webhookSignatureHeader}</code> header after{" "}
        <code className="font-mono">sha256=</code>. Refuse requests whose timestamp is more than a few minutes old. The same secret signs every schedule of this agent:
        keep it private.
      </p>
      <pre className="overflow-x-auto rounded bg-surface-muted p-2 font-mono text-[11px] leading-relaxed text-ink">
        {`// Node.js
const signed = req.headers["x-agentdesk-timestamp"] + "." + rawBody;
const expected = "sha256=" + crypto.createHmac("sha256", secret).update(signed).digest("hex");
const given = String(req.headers["x-agentdesk-signature"]);
const valid = given.length === expected.length &&
  crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));`}
      </pre>
    </div>
  );
}
