/**
 * Runs every benchmark one after another (they share the machine, so never at once):
 *   npm run bench                 all of them
 *   npm run bench -- workspace    only the named ones (image-size, workspace, first-load-js, load)
 * Each prints a table and one JSON line; record results with the date and machine in bench/README.md.
 */
import { spawnSync } from "node:child_process";

const benches: Record<string, string[]> = {
  "image-size": ["bash", "bench/image-size.sh"],
  workspace: ["npx", "tsx", "bench/workspace-bench.ts", "--rounds", "5"],
  "first-load-js": ["npx", "tsx", "bench/first-load-js.ts"],
  // 100 concurrent conversations against a real server process: minutes, and 20 containers.
  load: ["npx", "tsx", "bench/load-conversations.ts"],
};

const wanted = process.argv.slice(2).filter((name) => !name.startsWith("-"));
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
