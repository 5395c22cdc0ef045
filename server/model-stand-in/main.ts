import { logger } from "../logger";
import { createModelStandIn } from "./server";

// Standalone: `npx tsx server/model-stand-in/main.ts [--port N] [--host H] [--pacing MS]`.
function argValue(name: string): string | undefined {
  const args = process.argv.slice(2);
  const inline = args.find((arg) => arg.startsWith(`--${name}=`));
  if (inline !== undefined) return inline.slice(name.length + 3);
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

function toNumber(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`${what} must be a non-negative integer, got "${value}"`);
  return number;
}

async function main(): Promise<void> {
  const port =
    toNumber(argValue("port"), "--port") ??
    toNumber(process.env.PORT, "PORT") ??
    toNumber(process.env.MODEL_STAND_IN_PORT, "MODEL_STAND_IN_PORT") ??
    3199;
  const standIn = await createModelStandIn({
    port,
    host: argValue("host") ?? process.env.HOST,
    pacing: toNumber(argValue("pacing"), "--pacing"),
  });
  logger.info({ url: standIn.url, port: standIn.port }, "model stand-in listening; set ANTHROPIC_BASE_URL to this url");
  const stop = (): void => {
    void standIn.close().finally(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "model stand-in failed to start");
  process.exit(1);
});
