import path from "node:path";

/**
 * The two-replica cluster the cluster journey runs against, shared by playwright.config.ts (its
 * web server, scripts/cluster.sh run with these ports) and the journey (which looks at
 * its store and nginx's log). Everything sits on consecutive ports after nginx's, away from the
 * single server's 3210 and the identity provider's 3219.
 */
const nginxPort = Number(process.env.E2E_CLUSTER_PORT ?? 3220);
const projectRoot = path.resolve(__dirname, "../..");
const workDir = path.join(projectRoot, ".cache/e2e-cluster");

export interface ReplicaSettings {
  /** INSTANCE_ID: the name runs record as their owner. */
  instanceId: string;
  port: number;
  /** Each replica runs its own offline demo model. */
  standInPort: number;
}

export const clusterSettings = {
  nginxPort,
  url: `http://localhost:${nginxPort}`,
  replicas: [
    // scripts/cluster.sh names replica i "replica-i" and gives it the i-th consecutive ports.
    { instanceId: "replica-1", port: nginxPort + 1, standInPort: nginxPort + 3 },
    { instanceId: "replica-2", port: nginxPort + 2, standInPort: nginxPort + 4 },
  ] satisfies ReplicaSettings[],
  redisPort: nginxPort + 5,
  /** The store every replica shares (SQLite in WAL mode, as `npm run cluster` runs it). */
  dataDir: path.join(projectRoot, ".cache/e2e-cluster-data"),
  /** Logs, the nginx prefix and Redis's directory; cleared with the data at every start. */
  workDir,
  nginxPrefix: path.join(workDir, "nginx"),
};

export function replicaByPort(port: number): ReplicaSettings | undefined {
  return clusterSettings.replicas.find((replica) => replica.port === port);
}
