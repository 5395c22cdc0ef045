import { z } from "zod";

import { parseSubnetPool } from "../workspaces/workspace-network";
import { parseAllowList } from "./egress-rules";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

export const booleanFlag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      const text = value?.trim().toLowerCase() ?? "";
      if (text === "") return fallback;
      if (["1", "true", "on", "yes"].includes(text)) return true;
      if (["0", "false", "off", "no"].includes(text)) return false;
      context.addIssue({ code: "custom", message: 'must be "true" or "false"' });
      return z.NEVER;
    });

function validWith(parse: (value: string) => unknown) {
  return (value: string | undefined, context: z.RefinementCtx) => {
    if (value === undefined) return;
    try {
      parse(value);
    } catch (error) {
      context.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
    }
  };
}

/**
 * Workspace network isolation and the egress proxy, declared beside their code and folded into
 * server/config.ts like the store's and sign-in's variables.
 */
export const egressEnvSchema = z.object({
  /** Per-user internal networks + the egress proxy + the host firewall. Off only for debugging. */
  WORKSPACE_NETWORK_ISOLATION: booleanFlag(true),
  /** Where per-user subnets (/28 each) come from; must not overlap the host's own networks. */
  WORKSPACE_SUBNET_POOL: z.string().default("10.213.0.0/16").superRefine(validWith(parseSubnetPool)),
  /** Hosts workspaces may reach through the proxy; unset: only the model's host. `*` = any public host. */
  EGRESS_ALLOWLIST: optionalString.superRefine(validWith(parseAllowList)),
  /** Port of the egress proxy on the host; 0 picks a free one at start. */
  EGRESS_PROXY_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
});

export type EgressEnv = z.infer<typeof egressEnvSchema>;
