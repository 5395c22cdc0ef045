import { z } from "zod";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalPositiveInt = z.preprocess((value) => (value === "" ? undefined : value), z.coerce.number().int().positive().optional());

/**
 * The per-user quotas and host-wide limits, declared beside the code that enforces them and
 * checked at start-up with the rest of the configuration (server/config.ts extends this schema).
 */
export const limitsEnvSchema = z.object({
  MAX_AGENTS_PER_USER: positiveInt(100),
  MAX_CONCURRENT_RUNS_PER_USER: positiveInt(5),
  MAX_RUN_MINUTES: positiveInt(30),
  // The socket schema refuses anything above 100,000 characters whatever this says.
  MAX_MESSAGE_CHARS: z.coerce.number().int().positive().max(100_000).default(100_000),
  MESSAGES_PER_MINUTE: positiveInt(20),
  // New guest sessions per client address per hour (each guest can start a container).
  GUEST_SIGNUPS_PER_HOUR: positiveInt(30),
  // Unset: derived from the machine's memory (see live-cli-cap.ts).
  MAX_LIVE_CLIS: optionalPositiveInt,
  // How many CLIs may be booting at once. Unset: one per core the server may use (see cli-start-cap.ts).
  MAX_CLI_STARTS: optionalPositiveInt,
});

export type LimitsConfig = z.infer<typeof limitsEnvSchema>;
