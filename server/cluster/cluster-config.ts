import { z } from "zod";

const optionalUrl = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()))
  .refine((value) => value === undefined || /^rediss?:\/\/[^\s]+$/.test(value), "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379");

/**
 * Several servers behind a load balancer. Unset REDIS_URL: one process keeps rooms, run events,
 * limits and leases in memory, exactly as a single machine always did.
 */
export const clusterEnvSchema = z.object({
  REDIS_URL: optionalUrl,
  // Names this server in run leases and logs; unset: host name, process id and a random suffix.
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "letters, digits, dot, dash and underscore only (at most 64)")
    .optional(),
  // A run whose owning server has not renewed its lease for this long is recovered by another.
  RUN_LEASE_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
  // Proxies in front of this server whose X-Forwarded-For is believed (nginx: 1); 0 believes none.
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
});

export type ClusterConfig = z.infer<typeof clusterEnvSchema>;
