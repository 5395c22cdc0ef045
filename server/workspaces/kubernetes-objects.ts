import { createHash } from "node:crypto";
import type { V1NetworkPolicy, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";

import { KIND_LABEL, PLATFORM_LABEL, PLATFORM_LABEL_VALUE, USER_LABEL, WORKSPACE_GID, WORKSPACE_HOME, WORKSPACE_HOME_TMPFS_MB, WORKSPACE_ROOT, WORKSPACE_UID } from "./workspace-names";

/** The one container in a workspace pod: what every exec names. */
export const WORKSPACE_CONTAINER_NAME = "workspace";

// "agent-ws-" + key + "-data" stays within a DNS label's 63 characters.
const MAX_KEY_LENGTH = 40;
const HASH_LENGTH = 10;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Pod names must be DNS-1123 labels and label values at most 63 characters, so the user id itself
 * can be neither in general ("Ann@x", "a_b"). An id that already fits is used as is; anything else
 * is slugged with a hash suffix, so "Ann" and "ann" never share a pod. The id itself is kept in
 * an annotation, which may hold any string.
 */
export function kubernetesUserKey(userId: string): string {
  if (userId.length === 0) throw new Error("A workspace needs a non-empty user id.");
  if (DNS_LABEL.test(userId) && userId.length <= MAX_KEY_LENGTH) return userId;
  const slug = userId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_KEY_LENGTH - HASH_LENGTH - 1)
    .replace(/-+$/, "");
  const hash = createHash("sha256").update(userId).digest("hex").slice(0, HASH_LENGTH);
  return slug.length > 0 ? `${slug}-${hash}` : hash;
}

export function workspacePodName(userId: string): string {
  return `agent-ws-${kubernetesUserKey(userId)}`;
}

export function workspaceClaimName(userId: string): string {
  return `agent-ws-${kubernetesUserKey(userId)}-data`;
}

type WorkspaceObjectKind = "workspace" | "workspace-data" | "workspace-network";

/** The Docker runtime's labels, with the user label holding the label-safe key. */
export function workspaceObjectLabels(userId: string, kind: WorkspaceObjectKind): Record<string, string> {
  return { [PLATFORM_LABEL]: PLATFORM_LABEL_VALUE, [USER_LABEL]: kubernetesUserKey(userId), [KIND_LABEL]: kind };
}

/** Where the user id itself lives: listWorkspaces reads it back from here. */
export const USER_ID_ANNOTATION = USER_LABEL;

export function workspaceLabelSelector(kind: WorkspaceObjectKind): string {
  return `${PLATFORM_LABEL}=${PLATFORM_LABEL_VALUE},${KIND_LABEL}=${kind}`;
}

export interface WorkspacePodSettings {
  namespace: string;
  image: string;
  /** The ceiling, as Docker's --memory and --cpus. */
  limits: { memoryMb: number; cpus: number };
  /** What the scheduler reserves per workspace: far below the ceiling, or a node holds only a few idle users. */
  requests: { memoryMb: number; cpus: number };
  /** Size of the memory-backed /tmp; it counts against the memory limit, as Docker's tmpfs does. */
  tmpfsMb: number;
}

const restrictedContainerSecurity = {
  runAsNonRoot: true,
  runAsUser: WORKSPACE_UID,
  runAsGroup: WORKSPACE_GID,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
  // Writes go to the claim (sized) or to memory-backed /tmp and HOME (counted against the memory
  // limit), never to the node's disk through the container layer. As the Docker runtime.
  readOnlyRootFilesystem: true,
};

/**
 * One user's workspace pod. Kubernetes has no per-pod process limit: WORKSPACE_PIDS_LIMIT is the
 * kubelet's podPidsLimit on the workspace nodes (deploy/README.md). Nothing from the host is
 * mounted, no service-account token, no service environment variables.
 */
export function workspacePod(userId: string, settings: WorkspacePodSettings): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: workspacePodName(userId),
      namespace: settings.namespace,
      labels: workspaceObjectLabels(userId, "workspace"),
      annotations: { [USER_ID_ANNOTATION]: userId },
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      hostname: "workspace",
      // A pod that ended is replaced, never restarted in place: its uid and start time are its generation.
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 5,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: WORKSPACE_UID,
        runAsGroup: WORKSPACE_GID,
        fsGroup: WORKSPACE_GID,
        // Chowning a large volume on every start would make each wake-up slow.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: WORKSPACE_CONTAINER_NAME,
          image: settings.image,
          imagePullPolicy: "IfNotPresent",
          // As the Docker runtime: the container only has to stay up, agents run through exec;
          // tini (in the image) is PID 1 and reaps what exec'd processes orphan.
          command: ["/usr/bin/tini", "--"],
          args: ["sleep", "infinity"],
          workingDir: WORKSPACE_ROOT,
          resources: {
            requests: { memory: `${settings.requests.memoryMb}Mi`, cpu: millicores(settings.requests.cpus) },
            limits: { memory: `${settings.limits.memoryMb}Mi`, cpu: millicores(settings.limits.cpus) },
          },
          securityContext: restrictedContainerSecurity,
          volumeMounts: [
            { name: "workspace", mountPath: WORKSPACE_ROOT },
            { name: "tmp", mountPath: "/tmp" },
            { name: "home", mountPath: WORKSPACE_HOME },
          ],
        },
      ],
      volumes: [
        { name: "workspace", persistentVolumeClaim: { claimName: workspaceClaimName(userId) } },
        { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: `${settings.tmpfsMb}Mi` } },
        { name: "home", emptyDir: { medium: "Memory", sizeLimit: `${WORKSPACE_HOME_TMPFS_MB}Mi` } },
      ],
    },
  };
}

export interface WorkspaceClaimSettings {
  namespace: string;
  /** WORKSPACE_DISK_MB: what the person may store; the storage driver enforces it. */
  sizeMb: number;
  /** Unset: the cluster's default StorageClass. */
  storageClassName?: string;
}

/** The user's files: outlives every pod, goes only with the account. */
export function workspaceClaim(userId: string, settings: WorkspaceClaimSettings): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: workspaceClaimName(userId),
      namespace: settings.namespace,
      labels: workspaceObjectLabels(userId, "workspace-data"),
      annotations: { [USER_ID_ANNOTATION]: userId },
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: `${settings.sizeMb}Mi` } },
      ...(settings.storageClassName ? { storageClassName: settings.storageClassName } : {}),
    },
  };
}

export interface WorkspaceNetworkPolicySettings {
  namespace: string;
  /** The egress proxy's pods: the only destination a workspace may reach. */
  egressProxy: { namespace: string; podLabels: Record<string, string>; port: number };
  /** Lets workspaces ask the cluster DNS (kube-system, k8s-app=kube-dns) when the proxy is reached by name. */
  allowDns: boolean;
}

/**
 * Every pod in the workspace namespace (the empty selector: whatever its labels): no ingress at all
 * (the servers reach workspaces through the API server's exec, which goes through the kubelet, not
 * the pod network), and egress only to the egress proxy's pods (and DNS when asked). The same
 * policy as deploy/kubernetes/base/workspace-network-policy.yaml.
 */
export function workspaceNetworkPolicy(settings: WorkspaceNetworkPolicySettings): V1NetworkPolicy {
  const inNamespace = (namespace: string) => ({ matchLabels: { "kubernetes.io/metadata.name": namespace } });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "workspace-isolation",
      namespace: settings.namespace,
      labels: { [PLATFORM_LABEL]: PLATFORM_LABEL_VALUE, [KIND_LABEL]: "workspace-network" },
    },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [
        {
          to: [{ namespaceSelector: inNamespace(settings.egressProxy.namespace), podSelector: { matchLabels: settings.egressProxy.podLabels } }],
          ports: [{ protocol: "TCP", port: settings.egressProxy.port }],
        },
        ...(settings.allowDns
          ? [
              {
                to: [{ namespaceSelector: inNamespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [
                  { protocol: "UDP", port: 53 },
                  { protocol: "TCP", port: 53 },
                ],
              },
            ]
          : []),
      ],
    },
  };
}

function millicores(cpus: number): string {
  return `${Math.max(1, Math.round(cpus * 1_000))}m`;
}
