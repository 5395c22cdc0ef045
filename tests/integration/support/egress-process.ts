import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** The egress proxy's own entry point (server/egress/egress-main.ts) as a real process, as it runs beside the servers. */
export interface EgressProcess {
  child: ChildProcess;
  /** Everything it printed so far (pino JSON lines). */
  output(): string;
  exited: Promise<number | null>;
}

const projectRoot = path.resolve(__dirname, "../../..");

export function startEgressMain(env: Record<string, string>): EgressProcess {
  let output = "";
  // Only what the proxy is given: nothing of the test runner's environment (no stray model key).
  const child = spawn(process.execPath, ["--import", "tsx", "server/egress/egress-main.ts"], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}
