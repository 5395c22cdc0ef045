import { describe, expect, it } from "vitest";
import { PersistentVolumeClaim, Pod } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
// The serializer CoreV1Api runs every request body through: it silently drops fields it does not know.
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";

import {
  kubernetesUserKey,
  USER_ID_ANNOTATION,
  WORKSPACE_CONTAINER_NAME,
  workspaceClaim,
  workspaceClaimName,
  workspaceNetworkPolicy,
  workspacePod,
  workspacePodName,
} from "@/server/workspaces/kubernetes-objects";
import { KIND_LABEL, PLATFORM_LABEL, USER_LABEL } from "@/server/workspaces/workspace-names";

/**
 * The objects the Kubernetes runtime sends, checked against the Kubernetes OpenAPI schemas (the
 * kubernetes-models validators) and against client-node's serializer, which would silently drop a
 * misspelled field on its way to the API server. No API server is involved.
 */

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const podSettings = {
  namespace: "agentdesk-workspaces",
  image: "registry.example/agentdesk/workspace:1.2.3",
  limits: { memoryMb: 1024, cpus: 1.5 },
  requests: { memoryMb: 256, cpus: 0.1 },
  tmpfsMb: 256,
};

const userIds = ["user-1", "Ann@Example.com", "a_b", "ann-", "-", "x".repeat(120), "ユーザー"];

function plain(value: unknown): never {
  return JSON.parse(JSON.stringify(value)) as never;
}

function expectNamesFit(metadata: { name?: string; labels?: Record<string, string> } | undefined) {
  expect(metadata?.name).toMatch(DNS_LABEL);
  expect(metadata?.name?.length).toBeLessThanOrEqual(63);
  for (const value of Object.values(metadata?.labels ?? {})) {
    expect(value).toMatch(LABEL_VALUE);
    expect(value.length).toBeLessThanOrEqual(63);
  }
}

describe("the checks themselves", () => {
  it("reject a wrongly typed field and notice a field the serializer would drop", () => {
    const pod = workspacePod("user-1", podSettings);
    const wrongType = plain({ ...pod, spec: { ...pod.spec, securityContext: { ...pod.spec!.securityContext, runAsUser: "1000" } } });
    expect(() => new Pod(wrongType).validate()).toThrow(/runAsUser/);
    const misspelled = { ...pod, spec: { ...pod.spec!, automountServiceAccountTokn: false } };
    expect(plain(ObjectSerializer.serialize(misspelled, "V1Pod", ""))).not.toEqual(plain(misspelled));
  });
});

describe("Kubernetes names for a user", () => {
  it("keeps an id that already fits and slugs anything else with a hash", () => {
    expect(kubernetesUserKey("user-1")).toBe("user-1");
    expect(kubernetesUserKey("Ann")).toMatch(/^ann-[0-9a-f]{10}$/);
    expect(kubernetesUserKey("Ann")).not.toBe(kubernetesUserKey("ann"));
    expect(kubernetesUserKey("a@b")).not.toBe(kubernetesUserKey("a-b"));
    for (const userId of userIds) expect(workspacePodName(userId)).toMatch(DNS_LABEL);
  });
});

describe("the workspace pod", () => {
  for (const userId of userIds) {
    it(`validates against the Pod schema for ${JSON.stringify(userId.slice(0, 20))}`, () => {
      const pod = workspacePod(userId, podSettings);
      expect(() => new Pod(plain(pod)).validate()).not.toThrow();
      expect(plain(ObjectSerializer.serialize(pod, "V1Pod", ""))).toEqual(plain(pod));
      expectNamesFit(pod.metadata);
      expect(pod.metadata?.annotations?.[USER_ID_ANNOTATION]).toBe(userId);
    });
  }

  const pod = workspacePod("user-1", podSettings);
  const spec = pod.spec!;
  const container = spec.containers[0]!;

  it("carries the Docker runtime's labels, the user's id in an annotation", () => {
    expect(pod.metadata).toMatchObject({
      name: "agent-ws-user-1",
      namespace: "agentdesk-workspaces",
      labels: { [PLATFORM_LABEL]: "agent-platform", [USER_LABEL]: "user-1", [KIND_LABEL]: "workspace" },
      annotations: { [USER_ID_ANNOTATION]: "user-1" },
    });
  });

  it("runs as uid/gid 1000, non-root, with the runtime's default seccomp profile", () => {
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext?.runAsNonRoot).toBe(true);
    expect(container.securityContext?.runAsUser).toBe(1000);
    expect(container.securityContext?.runAsGroup).toBe(1000);
    expect(container.securityContext?.seccompProfile).toEqual({ type: "RuntimeDefault" });
  });

  it("drops every capability and cannot gain privileges", () => {
    expect(container.securityContext?.capabilities).toEqual({ drop: ["ALL"] });
    expect(container.securityContext?.capabilities?.add).toBeUndefined();
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext?.privileged).toBe(false);
    // As the Docker runtime: nothing reaches the node's disk but the sized claim.
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
  });

  it("has no service-account token, no service links, nothing of the host", () => {
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    expect(spec.hostNetwork).toBe(false);
    expect(spec.hostPID).toBe(false);
    expect(spec.hostIPC).toBe(false);
    expect(spec.volumes?.every((volume) => volume.hostPath === undefined)).toBe(true);
    expect(spec.volumes?.map((volume) => Object.keys(volume).sort())).toEqual([
      ["name", "persistentVolumeClaim"],
      ["emptyDir", "name"],
      ["emptyDir", "name"],
    ]);
    expect(spec.serviceAccountName).toBeUndefined();
  });

  it("mounts the user's claim at /workspace and a memory-backed /tmp and HOME sized like the Docker tmpfs", () => {
    expect(spec.volumes).toEqual([
      { name: "workspace", persistentVolumeClaim: { claimName: "agent-ws-user-1-data" } },
      { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } },
      { name: "home", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
    ]);
    expect(container.volumeMounts).toEqual([
      { name: "workspace", mountPath: "/workspace" },
      { name: "tmp", mountPath: "/tmp" },
      { name: "home", mountPath: "/home/claude" },
    ]);
  });

  it("keeps itself alive like the Docker container: tini as PID 1 and sleep, agents come through exec", () => {
    expect(container.name).toBe(WORKSPACE_CONTAINER_NAME);
    expect(container.image).toBe(podSettings.image);
    expect(container.command).toEqual(["/usr/bin/tini", "--"]);
    expect(container.args).toEqual(["sleep", "infinity"]);
    expect(container.workingDir).toBe("/workspace");
    expect(spec.restartPolicy).toBe("Never");
  });

  it("takes its limits from WORKSPACE_MEMORY_MB and WORKSPACE_CPUS and reserves less", () => {
    expect(container.resources).toEqual({
      limits: { memory: "1024Mi", cpu: "1500m" },
      requests: { memory: "256Mi", cpu: "100m" },
    });
  });
});

describe("the workspace claim", () => {
  for (const userId of userIds) {
    it(`validates against the PersistentVolumeClaim schema for ${JSON.stringify(userId.slice(0, 20))}`, () => {
      const claim = workspaceClaim(userId, { namespace: "agentdesk-workspaces", sizeMb: 10_240 });
      expect(() => new PersistentVolumeClaim(plain(claim)).validate()).not.toThrow();
      expect(plain(ObjectSerializer.serialize(claim, "V1PersistentVolumeClaim", ""))).toEqual(plain(claim));
      expectNamesFit(claim.metadata);
      expect(claim.metadata?.name).toBe(workspaceClaimName(userId));
    });
  }

  it("asks for one node's worth of storage, in the given class or the cluster's default", () => {
    const claim = workspaceClaim("user-1", { namespace: "ns", sizeMb: 10_240 });
    expect(claim.spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10240Mi" } } });
    expect(claim.metadata?.labels?.[KIND_LABEL]).toBe("workspace-data");
    expect(workspaceClaim("user-1", { namespace: "ns", sizeMb: 5_120, storageClassName: "fast" }).spec?.storageClassName).toBe("fast");
  });
});

describe("the workspace network policy", () => {
  const settings = {
    namespace: "agentdesk-workspaces",
    egressProxy: { namespace: "agentdesk", podLabels: { app: "agentdesk-egress" }, port: 3128 },
  };

  for (const allowDns of [false, true]) {
    it(`validates against the NetworkPolicy schema (DNS ${allowDns ? "allowed" : "not allowed"})`, () => {
      const policy = workspaceNetworkPolicy({ ...settings, allowDns });
      expect(() => new NetworkPolicy(plain(policy)).validate()).not.toThrow();
      expect(plain(ObjectSerializer.serialize(policy, "V1NetworkPolicy", ""))).toEqual(plain(policy));
      expectNamesFit(policy.metadata);
    });
  }

  it("selects every pod in the namespace, lets nothing in and lets out only the egress proxy", () => {
    const spec = workspaceNetworkPolicy({ ...settings, allowDns: false }).spec!;
    expect(spec.podSelector).toEqual({});
    expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec.ingress).toEqual([]);
    expect(spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "agentdesk" } }, podSelector: { matchLabels: { app: "agentdesk-egress" } } }],
        ports: [{ protocol: "TCP", port: 3128 }],
      },
    ]);
  });

  it("adds cluster DNS, port 53 of kube-dns only, when the proxy is reached by name", () => {
    const egress = workspaceNetworkPolicy({ ...settings, allowDns: true }).spec!.egress!;
    expect(egress).toHaveLength(2);
    expect(egress[1]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    });
  });
});
