import { z } from "zod";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

// A Kubernetes object name (DNS-1123 label): what a namespace and a StorageClass are called.
const dnsLabel = z
  .string()
  .trim()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "lower-case letters, digits and '-', starting and ending with a letter or digit")
  .max(63);

/**
 * Where workspaces run. Unset: one Docker engine, as always. `kubernetes`: one pod and one
 * PersistentVolumeClaim per user in WORKSPACE_NAMESPACE, reached with the in-cluster service
 * account, or KUBECONFIG when it is set (a developer's kind/k3d cluster, the contract suite).
 */
export const workspaceRuntimeEnvSchema = z.object({
  WORKSPACE_RUNTIME: z.enum(["docker", "kubernetes"]).default("docker"),
  WORKSPACE_NAMESPACE: dnsLabel.default("agentdesk-workspaces"),
  KUBECONFIG: optionalString,
  // Each person's disk (their agents' folders and Claude transcripts), in MB; 0: no limit.
  // Docker: a loop-mounted ext4 image of this size per volume (server/workspaces/loop-disks.ts).
  // Kubernetes: the size of each user's PersistentVolumeClaim.
  WORKSPACE_DISK_MB: z.coerce.number().int().min(0).max(1_048_576).default(2_048),
  // Kubernetes only, when WORKSPACE_DISK_MB=0 (a claim always has a size): the claim's size in GB.
  WORKSPACE_VOLUME_GB: z.coerce.number().int().positive().max(1_024).default(10),
  // Unset: the cluster's default StorageClass.
  WORKSPACE_STORAGE_CLASS: dnsLabel.optional().or(z.literal("").transform(() => undefined)),
  // Workspaces kept created, started and checked for people who have none yet (Docker only); 0 turns it off.
  // Each ready slot is an idle container (~7 MiB) plus an empty volume and, with isolation, a /28.
  WORKSPACE_WARM_POOL: z.coerce.number().int().min(0).max(20).default(2),
});

export type WorkspaceRuntimeConfig = z.infer<typeof workspaceRuntimeEnvSchema>;
