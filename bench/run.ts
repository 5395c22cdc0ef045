/**
 * Runs every benchmark one after another (they share the machine, so never at once):
 *   npm run bench                 all of them
 *   npm run bench -- workspace    only the named ones (image-size, workspace, first-load-js, load, warm-pool, new-person, replicas)
 *   npm run bench -- replicas --conversations 20   flags after the names go to the replicas bench
 * Each prints a table and one JSON line; record results with the date and machine in bench/README.md.
 */
import { spawnSync } from "node:child_process";

// "--name value" pairs go on to the benches that take them (replicas); every other word names a bench.
const args = process.argv.slice(2);
const isFlagValue = (i: number) => !args[i]!.startsWith("-") && (args[i - 1]?.startsWith("--") ?? false);
const flags = args.filter((arg, i) => arg.startsWith("--") || isFlagValue(i));

const benches: Record<string, string[]> = {
  "image-size": ["bash", "bench/image-size.sh"],
  workspace: ["npx", "tsx", "bench/workspace-bench.ts", "--rounds", "5"],
  "first-load-js": ["npx", "tsx", "bench/first-load-js.ts"],
  // 100 concurrent conversations against a real server process: minutes, and 20 containers.
  load: ["npx", "tsx", "bench/load-conversations.ts"],
  // A new person's workspace from the warm pool (a claim) against a cold one: 20 containers or so.
  "warm-pool": ["npx", "tsx", "bench/warm-pool-bench.ts"],
  // A new person's first message end to end on the production server, warm pool on and off: ~14 guests.
  "new-person": ["npx", "tsx", "bench/new-person-bench.ts"],
  // The same load on 1 replica in-process, then 3 on Redis behind nginx: production build, ~20 minutes.
  replicas: ["npx", "tsx", "bench/replicas-load.ts", ...flags],
};

const wanted = args.filter((arg, i) => !arg.startsWith("-") && !isFlagValue(i));
const names = wanted.length > 0 ? wanted : Object.keys(benches);
let failed = 0;
for (const name of names) {
  const command = benches[name];
  if (!command) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(", ")}`);
    process.exit(2);
  }
  console.log(`\n=== ${name}`);
  const result = spawnSync(command[0]!, command.slice(1), { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
