import { z } from "zod";

/**
 * FILES_ORIGIN: the origin agent-made pages are previewed from, e.g. http://localhost:3001. The
 * server listens there too (server.ts) and answers only signed preview links, so a script in an
 * agent's page runs where no session cookie of the app is ever sent. Unset: active content is
 * downloaded, never rendered.
 */
export const filesOriginEnvSchema = z.object({
  FILES_ORIGIN: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()))
    .pipe(
      z
        .url({ protocol: /^https?$/, error: "must be an http(s) origin such as http://localhost:3001" })
        .transform((value) => new URL(value).origin)
        .optional(),
    ),
  // The port that listener binds; by default FILES_ORIGIN's own (set it when a proxy maps the port).
  FILES_PORT: z.coerce.number().int().positive().optional(),
  // How long a signed preview link stays good.
  FILES_LINK_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
});

export function filesListenPort(config: { FILES_ORIGIN?: string; FILES_PORT?: number }): number | undefined {
  if (!config.FILES_ORIGIN) return undefined;
  if (config.FILES_PORT) return config.FILES_PORT;
  const url = new URL(config.FILES_ORIGIN);
  return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}
