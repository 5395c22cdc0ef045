"use client";

import { useEffect, useState } from "react";
import { formatCost, fetchAgentUsage, type AgentUsageMonth } from "@/lib/run-api";
import { useConnectionStore } from "@/stores/connection-store";

function monthName(month: string): string {
  return new Date(`${month}-01T00:00:00Z`).toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

/** The agent's turns, tokens and cost per month; `refreshToken` changes when a run ends. */
export function AgentUsage({ agentId, refreshToken }: { agentId: string; refreshToken?: string }) {
  const [months, setMonths] = useState<AgentUsageMonth[] | null>(null);
  // The demo model reports made-up usage: it is labelled so nobody thinks money was spent.
  const demo = useConnectionStore((state) => state.offlineDemoModel) === true;
  useEffect(() => {
    let cancelled = false;
    fetchAgentUsage(agentId).then(
      (response) => !cancelled && setMonths(response.months),
      () => !cancelled && setMonths((current) => current ?? []),
    );
    return () => {
      cancelled = true;
    };
  }, [agentId, refreshToken]);
  if (!months || months.length === 0) return null;
  return (
    <section aria-label="Usage by month" data-testid="agent-usage" className="rounded-card border border-border bg-surface p-3">
      <h3 className="text-sm font-semibold">Usage by month{demo ? <span className="font-normal text-ink-muted"> · demo, not billed</span> : null}</h3>
      <table className="mt-2 w-full text-xs">
        <thead className="text-left text-ink-muted">
          <tr>
            <th className="font-normal">Month</th>
            <th className="text-right font-normal">Turns</th>
            <th className="text-right font-normal">Tokens in / out</th>
            <th className="text-right font-normal">Cost</th>
          </tr>
        </thead>
        <tbody>
          {months.map((month) => (
            <tr key={month.month} data-testid="usage-month">
              <td>{monthName(month.month)}</td>
              <td className="text-right">{month.turns.toLocaleString()}</td>
              <td className="text-right">
                {month.inputTokens.toLocaleString()} / {month.outputTokens.toLocaleString()}
              </td>
              <td className="text-right">{formatCost(month.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
