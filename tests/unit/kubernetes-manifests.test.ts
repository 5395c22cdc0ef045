import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
// js-yaml comes with @kubernetes/client-node (its YAML reader); kustomize prints YAML only.
import { loadAll } from "js-yaml";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { ILimitRange } from "kubernetes-models/v1/LimitRange";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

import { loadConfig } from "@/server/config";
import { workspaceClaim } from "@/server/workspaces/kubernetes-objects";
import { kubernetesWorkspaceOptionsFromConfig } from "@/server/workspaces/kubernetes-workspace-runtime";

/**
 * deploy/kubernetes/: both overlays rendered by the real `kubectl kustomize`, every object checked
 * against the Kubernetes schemas (kubernetes-models' validators, plus its typed models for fields
 * the API does not know), and the properties the platform's safety rests on asserted on what an
 * operator would apply. No API server runs here (deploy/README.md says what that leaves unproven).
 */

const execFileAsync = promisify(execFile);
const requireModel = createRequire(import.meta.url);
const repoRoot = path.resolve(__dirname, "../..");
const kubernetesDir = path.join(repoRoot, "deploy/kubernetes");
const overlays = ["small", "production"] as const;
type OverlayName = (typeof overlays)[number];

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };
type LabelSelector = INetworkPolicy["spec"] extends infer S ? NonNullable<S> extends { podSelector: infer P } ? P : never : never;
type PodTemplate = { owner: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string>; spec: IPodSpec };

// The env variables that carry credentials: never a literal, never in a ConfigMap.
const credentialVariables = ["AUTH_SECRET", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET", "ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "METRICS_TOKEN", "EGRESS_WORKSPACE_TOKEN"];

async function renderOverlay(name: OverlayName): Promise<Manifest[]> {
  const directory = path.join(kubernetesDir, "overlays", name);
  const { stdout } = await execFileAsync("kubectl", ["kustomize", directory], { maxBuffer: 16 * 1024 * 1024 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new Error("kubectl is needed to render deploy/kubernetes (it is preinstalled on the project's machines; kustomize is built into kubectl ≥ 1.14)");
    }
    throw error;
  });
  return (loadAll(stdout) as (Manifest | null)[]).filter((object): object is Manifest => object !== null);
}

function labelsMatch(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === "In") return key in labels && values.includes(labels[key]!);
    if (operator === "NotIn") return !(key in labels) || !values.includes(labels[key]!);
    if (operator === "Exists") return key in labels;
    if (operator === "DoesNotExist") return !(key in labels);
    return false;
  });
  return byLabels && byExpressions;
}

/** What one overlay renders to, with the lookups the assertions need. */
class Rendered {
  constructor(
    readonly name: OverlayName,
    readonly objects: Manifest[],
  ) {}

  of<T>(kind: string): (T & Manifest)[] {
    return this.objects.filter((object) => object.kind === kind) as (T & Manifest)[];
  }

  one<T>(kind: string, name: string): T & Manifest {
    const found = this.of<T>(kind).filter((object) => object.metadata.name === name);
    expect(found, `${this.name}: exactly one ${kind}/${name}`).toHaveLength(1);
    return found[0]!;
  }

  get config(): Record<string, string> {
    const configMaps = this.of<IConfigMap>("ConfigMap").filter((configMap) => configMap.metadata.name.startsWith("agentdesk-config"));
    expect(configMaps).toHaveLength(1);
    return configMaps[0]!.data ?? {};
  }

  get workspaceNamespace(): string {
    return this.config.WORKSPACE_NAMESPACE!;
  }

  get podTemplates(): PodTemplate[] {
    return this.of<IDeployment>("Deployment").map((deployment) => ({
      owner: `Deployment/${deployment.metadata.name}`,
      namespace: deployment.metadata.namespace!,
      labels: deployment.spec!.template.metadata?.labels ?? {},
      annotations: deployment.spec!.template.metadata?.annotations ?? {},
      spec: deployment.spec!.template.spec!,
    }));
  }

  deploymentOf(component: string): IDeployment & Manifest {
    const found = this.of<IDeployment>("Deployment").filter((deployment) => deployment.spec?.template.metadata?.labels?.["app.kubernetes.io/component"] === component);
    expect(found, `${this.name}: one Deployment of ${component}`).toHaveLength(1);
    return found[0]!;
  }

  /** Namespace labels as the API server sees them: it adds kubernetes.io/metadata.name itself. */
  namespaceLabels(name: string): Record<string, string> {
    const namespace = this.one<INamespace>("Namespace", name);
    return { ...namespace.metadata.labels, "kubernetes.io/metadata.name": name };
  }
}

function containersOf(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

function envOf(container: IContainer, name: string) {
  return container.env?.find((variable) => variable.name === name);
}

function containerPort(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

const rendered = new Map<OverlayName, Rendered>();

beforeAll(async () => {
  for (const name of overlays) rendered.set(name, new Rendered(name, await renderOverlay(name)));
}, 60_000);

describe.each(overlays)("deploy/kubernetes/overlays/%s", (overlayName) => {
  const overlay = () => rendered.get(overlayName)!;

  it("renders with kubectl kustomize, and every object passes the Kubernetes schema of its kind", () => {
    const { objects } = overlay();
    expect(objects.length).toBeGreaterThan(15);
    for (const object of objects) {
      const label = `${object.kind}/${object.metadata.name}`;
      let Model: (new (data: unknown) => { validate(): void }) | undefined;
      try {
        Model = (requireModel(`kubernetes-models/${object.apiVersion}/${object.kind}`) as Record<string, new (data: unknown) => { validate(): void }>)[object.kind];
      } catch {
        Model = undefined;
      }
      expect(Model, `${label}: no schema for ${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(() => new Model!(object).validate(), label).not.toThrow();
    }
    const names = objects.map((object) => `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`);
    expect(new Set(names).size, "no object twice").toBe(names.length);
  });

  it("names a namespace on every namespaced object: the platform's or the workspaces'", () => {
    const { objects, workspaceNamespace } = overlay();
    const platformNamespace = overlay().deploymentOf("server").metadata.namespace!;
    const namespaces = overlay().of<INamespace>("Namespace").map((namespace) => namespace.metadata.name);
    expect(new Set(namespaces)).toEqual(new Set([platformNamespace, workspaceNamespace]));
    for (const object of objects.filter((candidate) => candidate.kind !== "Namespace")) {
      expect([platformNamespace, workspaceNamespace], `${object.kind}/${object.metadata.name}`).toContain(object.metadata.namespace);
    }
  });

  it("puts the workspace namespace under the restricted Pod Security profile, a ResourceQuota and a LimitRange", () => {
    const { workspaceNamespace } = overlay();
    const platformNamespace = overlay().deploymentOf("server").metadata.namespace!;
    for (const namespace of [workspaceNamespace, platformNamespace]) {
      const labels = overlay().namespaceLabels(namespace);
      for (const mode of ["enforce", "audit", "warn"]) expect(labels[`pod-security.kubernetes.io/${mode}`], `${namespace} ${mode}`).toBe("restricted");
    }
    const quotas = overlay().of<IResourceQuota>("ResourceQuota").filter((quota) => quota.metadata.namespace === workspaceNamespace);
    expect(quotas).toHaveLength(1);
    const hard = quotas[0]!.spec!.hard!;
    for (const resource of ["pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "persistentvolumeclaims", "requests.storage"]) {
      expect(hard[resource], resource).toBeDefined();
    }
    expect(hard.services).toBe("0");
    const limitRanges = overlay().of<ILimitRange>("LimitRange").filter((range) => range.metadata.namespace === workspaceNamespace);
    expect(limitRanges).toHaveLength(1);
    const containerLimits = limitRanges[0]!.spec!.limits.find((limit) => limit.type === "Container");
    expect(containerLimits?.default).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(containerLimits?.defaultRequest).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(containerLimits?.max).toBeDefined();
  });

  it("sizes each person's claim (their disk quota) from WORKSPACE_DISK_MB, within the LimitRange's ceiling (rendered offline by kubectl kustomize: no cluster here)", () => {
    const { config, workspaceNamespace } = overlay();
    // Secrets come from Secrets at run time (deploy/README.md); a stand-in lets the rest parse.
    const settings = kubernetesWorkspaceOptionsFromConfig(loadConfig({ ...config, EGRESS_WORKSPACE_TOKEN: "x".repeat(32) } as unknown as NodeJS.ProcessEnv));
    const claim = workspaceClaim("user-1", { namespace: workspaceNamespace, sizeMb: settings.volumeMb });
    expect(claim.spec?.resources?.requests?.storage).toBe(`${config.WORKSPACE_DISK_MB}Mi`);
    const limitRange = overlay().of<ILimitRange>("LimitRange").find((range) => range.metadata.namespace === workspaceNamespace)!;
    const ceiling = limitRange.spec!.limits.find((limit) => limit.type === "PersistentVolumeClaim")?.max?.storage;
    expect(ceiling).toMatch(/^\d+Gi$/);
    expect(settings.volumeMb).toBeLessThanOrEqual(Number.parseInt(String(ceiling), 10) * 1024);
  });

  it("grants the servers pods, pods/exec, volume claims and network policies in the workspace namespace, and nothing else anywhere", () => {
    const { objects, workspaceNamespace } = overlay();
    expect(objects.filter((object) => object.kind === "ClusterRole" || object.kind === "ClusterRoleBinding")).toEqual([]);

    const allowed: Record<string, { group: string; verbs: string[] }> = {
      pods: { group: "", verbs: ["get", "list", "watch", "create", "delete"] },
      "pods/exec": { group: "", verbs: ["get", "create"] },
      persistentvolumeclaims: { group: "", verbs: ["get", "list", "watch", "create", "delete"] },
      networkpolicies: { group: "networking.k8s.io", verbs: ["get", "list", "watch", "create", "update", "patch"] },
    };
    const granted = new Map<string, Set<string>>();
    const roles = overlay().of<IRole>("Role");
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      expect(role.metadata.namespace, `Role/${role.metadata.name}`).toBe(workspaceNamespace);
      for (const rule of role.rules ?? []) {
        for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field ?? [], JSON.stringify(rule)).not.toContain("*");
        expect(rule.resourceNames, "no grant by name").toBeUndefined();
        expect(rule.nonResourceURLs).toBeUndefined();
        for (const resource of rule.resources ?? []) {
          expect(Object.keys(allowed), `resource ${resource}`).toContain(resource);
          expect(rule.apiGroups, resource).toEqual([allowed[resource]!.group]);
          for (const verb of rule.verbs) {
            expect(allowed[resource]!.verbs, `${verb} ${resource}`).toContain(verb);
            granted.set(resource, (granted.get(resource) ?? new Set()).add(verb));
          }
        }
      }
    }
    // What the Kubernetes runtime cannot work without.
    expect([...(granted.get("pods") ?? [])]).toEqual(expect.arrayContaining(["get", "list", "create", "delete"]));
    expect([...(granted.get("pods/exec") ?? [])]).toEqual(expect.arrayContaining(["get", "create"]));
    expect([...(granted.get("persistentvolumeclaims") ?? [])]).toEqual(expect.arrayContaining(["get", "create"]));
    expect([...(granted.get("networkpolicies") ?? [])]).toEqual(expect.arrayContaining(["get", "create"]));

    const server = overlay().deploymentOf("server");
    const serverAccount = server.spec!.template.spec!.serviceAccountName!;
    const serverNamespace = server.metadata.namespace!;
    overlay().one<IServiceAccount>("ServiceAccount", serverAccount);
    const bindings = overlay().of<IRoleBinding>("RoleBinding");
    expect(bindings.length).toBeGreaterThan(0);
    for (const binding of bindings) {
      expect(binding.metadata.namespace).toBe(workspaceNamespace);
      expect(binding.roleRef.kind).toBe("Role");
      expect(roles.map((role) => role.metadata.name)).toContain(binding.roleRef.name);
      expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: serverAccount, namespace: serverNamespace }]);
    }
  });

  it("isolates every workspace pod: no ingress, egress only to the egress proxy's pods and the cluster DNS", () => {
    const { workspaceNamespace, config } = overlay();
    const policies = overlay().of<INetworkPolicy>("NetworkPolicy").filter((policy) => policy.metadata.namespace === workspaceNamespace);
    expect(policies).toHaveLength(1);
    const { spec } = policies[0]!;
    expect(spec!.podSelector).toEqual({});
    expect(spec!.policyTypes).toEqual(expect.arrayContaining(["Ingress", "Egress"]));
    expect(spec!.ingress ?? []).toEqual([]);

    const egressProxy = overlay().deploymentOf("egress-proxy");
    const proxyPods = egressProxy.spec!.template.metadata!.labels!;
    const proxyContainer = egressProxy.spec!.template.spec!.containers[0]!;
    const proxyPort = containerPort(proxyContainer, "proxy");
    expect(proxyPort).toBe(Number(config.EGRESS_PROXY_PORT));
    const otherPods = overlay().podTemplates.filter((template) => template.owner !== `Deployment/${egressProxy.metadata.name}`);
    const platformLabels = overlay().namespaceLabels(egressProxy.metadata.namespace!);

    const rules = spec!.egress ?? [];
    expect(rules.length).toBeGreaterThan(0);
    let proxyRules = 0;
    for (const rule of rules) {
      // A rule without `to` reaches every address; without `ports`, every port.
      expect(rule.to?.length, JSON.stringify(rule)).toBeGreaterThan(0);
      expect(rule.ports?.length, JSON.stringify(rule)).toBeGreaterThan(0);
      for (const peer of rule.to!) {
        expect(peer.ipBlock, "no address ranges").toBeUndefined();
        expect(peer.namespaceSelector && peer.podSelector, "each peer names a namespace and pods in it").toBeTruthy();
        const toProxy = labelsMatch(peer.namespaceSelector, platformLabels) && labelsMatch(peer.podSelector, proxyPods);
        if (toProxy) {
          proxyRules += 1;
          for (const other of otherPods) expect(labelsMatch(peer.podSelector, other.labels), `reaches ${other.owner}`).toBe(false);
          expect(rule.ports).toEqual([{ protocol: "TCP", port: proxyPort }]);
        } else {
          // The only other way out: cluster DNS, which workspaces need to find the proxy by name.
          expect(peer.namespaceSelector).toEqual({ matchLabels: { "kubernetes.io/metadata.name": "kube-system" } });
          expect(peer.podSelector).toEqual({ matchLabels: { "k8s-app": "kube-dns" } });
          expect(rule.ports).toEqual(expect.arrayContaining([{ protocol: "UDP", port: 53 }]));
          for (const port of rule.ports!) expect(port.port).toBe(53);
        }
      }
    }
    expect(proxyRules).toBe(1);

    // Workspaces are told the proxy's Service by name; the Service leads to the same pods and port.
    const proxyUrl = new URL(config.EGRESS_PROXY_URL!);
    const [serviceName, serviceNamespace] = proxyUrl.hostname.split(".");
    expect(proxyUrl.hostname).toBe(`${serviceName}.${serviceNamespace}.svc.cluster.local`);
    const service = overlay().one<IService>("Service", serviceName!);
    expect(service.metadata.namespace).toBe(serviceNamespace);
    expect(labelsMatch({ matchLabels: service.spec!.selector }, proxyPods)).toBe(true);
    const servicePort = service.spec!.ports!.find((port) => port.port === Number(proxyUrl.port));
    expect(containerPort(proxyContainer, servicePort?.targetPort)).toBe(proxyPort);
    // Model requests addressed to that name take the proxy's model route (server/egress/egress-main.ts).
    expect(config.EGRESS_PROXY_HOSTNAME).toBe(proxyUrl.hostname);
  });

  it("lets only workspace pods reach the egress proxy, which alone holds the model key", () => {
    const { workspaceNamespace, config } = overlay();
    const egressProxy = overlay().deploymentOf("egress-proxy");
    const proxyPods = egressProxy.spec!.template.metadata!.labels!;
    const guarding = overlay()
      .of<INetworkPolicy>("NetworkPolicy")
      .filter((policy) => policy.metadata.namespace === egressProxy.metadata.namespace && labelsMatch(policy.spec!.podSelector, proxyPods));
    expect(guarding).toHaveLength(1);
    expect(guarding[0]!.spec!.policyTypes).toContain("Ingress");
    // Workspaces on the proxy's port; the servers (no key of their own) on its health port only, to ask which model it routes to.
    const serverPods = overlay().deploymentOf("server").spec!.template.metadata!.labels!;
    expect(guarding[0]!.spec!.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": workspaceNamespace } } }], ports: [{ protocol: "TCP", port: Number(config.EGRESS_PROXY_PORT) }] },
      { from: [{ podSelector: { matchLabels: expect.any(Object) } }], ports: [{ protocol: "TCP", port: Number(config.EGRESS_HEALTH_PORT) }] },
    ]);
    const serverSelector = guarding[0]!.spec!.ingress![1]!.from![0]!.podSelector;
    expect(labelsMatch(serverSelector, serverPods)).toBe(true);
    expect(labelsMatch(serverSelector, proxyPods)).toBe(false);

    const cidrs = config.EGRESS_CLIENT_CIDRS?.split(",") ?? [];
    expect(cidrs.length, "EGRESS_CLIENT_CIDRS: the proxy refuses to start without it").toBeGreaterThan(0);
    for (const cidr of cidrs) expect(cidr).toMatch(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/);

    const proxyContainer = egressProxy.spec!.template.spec!.containers[0]!;
    expect(proxyContainer.command).toEqual(["node", "dist/egress.js"]);
    expect(envOf(proxyContainer, "ANTHROPIC_API_KEY")?.valueFrom?.secretKeyRef).toMatchObject({ name: expect.any(String), key: "ANTHROPIC_API_KEY" });
    // The placeholder the servers hand to workspaces is the one the proxy swaps for the key.
    const serverContainer = overlay().deploymentOf("server").spec!.template.spec!.containers[0]!;
    const token = envOf(proxyContainer, "EGRESS_WORKSPACE_TOKEN")?.valueFrom?.secretKeyRef;
    expect(token).toMatchObject({ key: "EGRESS_WORKSPACE_TOKEN" });
    expect(envOf(serverContainer, "EGRESS_WORKSPACE_TOKEN")?.valueFrom?.secretKeyRef).toEqual(token);
    // Probes ask the proxy's health port, which is not the port workspaces use.
    const healthPort = Number(config.EGRESS_HEALTH_PORT);
    expect(healthPort).not.toBe(Number(config.EGRESS_PROXY_PORT));
    for (const probe of [proxyContainer.readinessProbe, proxyContainer.livenessProbe]) {
      expect(probe?.httpGet?.path).toBe("/health");
      expect(containerPort(proxyContainer, probe?.httpGet?.port)).toBe(healthPort);
    }
    for (const template of overlay().podTemplates.filter((candidate) => candidate.owner !== `Deployment/${egressProxy.metadata.name}`)) {
      for (const container of containersOf(template.spec)) expect(envOf(container, "ANTHROPIC_API_KEY"), template.owner).toBeUndefined();
    }
  });

  it("references every credential from a Secret and inlines none: no Secret object, no credential in a ConfigMap", () => {
    const { objects } = overlay();
    expect(objects.filter((object) => object.kind === "Secret")).toEqual([]);
    for (const configMap of overlay().of<IConfigMap>("ConfigMap")) {
      for (const variable of [...credentialVariables, "REDIS_URL"]) expect(Object.keys(configMap.data ?? {}), configMap.metadata.name).not.toContain(variable);
    }
    for (const template of overlay().podTemplates) {
      for (const container of containersOf(template.spec)) {
        for (const variable of container.env ?? []) {
          if (credentialVariables.includes(variable.name)) {
            expect(variable.value, `${template.owner} ${variable.name}`).toBeUndefined();
            expect(variable.valueFrom?.secretKeyRef?.name, `${template.owner} ${variable.name}`).toBeTruthy();
          }
          expect(variable.value ?? "", `${template.owner} ${variable.name}`).not.toMatch(/sk-ant-|:[^/@:]+@/);
        }
      }
    }
  });

  it("runs servers that are stateless replicas: image, configuration, instance id, probes, resources, metrics", () => {
    const { config, workspaceNamespace } = overlay();
    const server = overlay().deploymentOf("server");
    const pod = server.spec!.template;
    const container = pod.spec!.containers.find((candidate) => candidate.name === "server")!;

    expect(container.image).toMatch(/(^|\/)agentdesk\/platform:\d+\.\d+\.\d+$/);
    expect(overlay().deploymentOf("egress-proxy").spec!.template.spec!.containers[0]!.image).toBe(container.image);
    expect(config).toMatchObject({ NODE_ENV: "production", WORKSPACE_RUNTIME: "kubernetes", WORKSPACE_NAMESPACE: workspaceNamespace, TRUST_PROXY_HOPS: "1" });
    expect(container.envFrom?.map((source) => source.configMapRef?.name)).toEqual([overlay().of<IConfigMap>("ConfigMap")[0]!.metadata.name]);
    expect(envOf(container, "INSTANCE_ID")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.name");
    expect(envOf(container, "REDIS_URL")?.value ?? envOf(container, "REDIS_URL")?.valueFrom?.secretKeyRef).toBeTruthy();
    expect(envOf(container, "AUTH_SECRET")?.valueFrom?.secretKeyRef?.optional).not.toBe(true);

    const httpPort = containerPort(container, "http");
    expect(httpPort).toBe(Number(config.PORT));
    // Readiness follows /health (503 while a dependency is down); liveness only needs an answer.
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: "/health", port: "http" });
    expect(container.livenessProbe?.httpGet, "an httpGet liveness probe would restart servers on a 503").toBeUndefined();
    expect(container.livenessProbe?.exec?.command?.join(" ")).toMatch(/fetch\(`http:\/\/127\.0\.0\.1:\$\{process\.env\.PORT\}\/health`/);
    expect(container.startupProbe).toBeDefined();

    expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources?.limits).toMatchObject({ memory: expect.any(String) });
    expect(pod.metadata?.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": String(httpPort), "prometheus.io/path": "/metrics" });

    // Read-only root: everything the server writes has a volume.
    const mounts = (container.volumeMounts ?? []).map((mount) => mount.mountPath);
    expect(mounts).toEqual(expect.arrayContaining([config.DATA_DIR, "/tmp"]));

    const budgets = overlay().of<IPodDisruptionBudget>("PodDisruptionBudget").filter((budget) => labelsMatch(budget.spec!.selector, pod.metadata!.labels!));
    expect(budgets).toHaveLength(1);
    expect(budgets[0]!.spec!.maxUnavailable ?? 0).toBe(1);
  });

  it("keeps at least two servers, through the Deployment or its autoscaler", () => {
    const server = overlay().deploymentOf("server");
    const autoscalers = overlay()
      .of<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler")
      .filter((autoscaler) => autoscaler.spec!.scaleTargetRef.kind === "Deployment" && autoscaler.spec!.scaleTargetRef.name === server.metadata.name);
    if (autoscalers.length > 0) {
      expect(server.spec!.replicas, "the autoscaler owns the count").toBeUndefined();
      expect(autoscalers[0]!.spec!.minReplicas ?? 1).toBeGreaterThanOrEqual(2);
    } else {
      expect(server.spec!.replicas ?? 1).toBeGreaterThanOrEqual(2);
    }
  });

  it("publishes the servers through one Ingress with WebSocket timeouts, the upload size, cookie affinity and TLS for AUTH_URL's host", () => {
    const { config } = overlay();
    const ingresses = overlay().of<IIngress>("Ingress");
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0]!;
    const annotations = ingress.metadata.annotations ?? {};
    expect(Number(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThanOrEqual(3600);
    expect(Number(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"])).toBeGreaterThanOrEqual(3600);
    expect(annotations["nginx.ingress.kubernetes.io/proxy-body-size"]).toBe("30m");
    expect(annotations["nginx.ingress.kubernetes.io/affinity"]).toBe("cookie");

    const host = new URL(config.AUTH_URL!).host;
    expect(new URL(config.AUTH_URL!).protocol).toBe("https:");
    expect(ingress.spec!.rules!.map((rule) => rule.host)).toEqual([host]);
    expect(ingress.spec!.tls).toEqual([{ hosts: [host], secretName: expect.any(String) }]);

    const backend = ingress.spec!.rules![0]!.http!.paths[0]!.backend.service!;
    const service = overlay().one<IService>("Service", backend.name);
    const server = overlay().deploymentOf("server");
    expect(labelsMatch({ matchLabels: service.spec!.selector }, server.spec!.template.metadata!.labels!)).toBe(true);
    const servicePort = service.spec!.ports!.find((port) => port.name === backend.port!.name)!;
    expect(containerPort(server.spec!.template.spec!.containers[0]!, servicePort.targetPort)).toBe(Number(config.PORT));
  });

  it("meets the restricted Pod Security profile in every pod, and mounts a token only where the API is called", () => {
    const allowedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
    const server = overlay().deploymentOf("server");
    for (const { owner, spec } of overlay().podTemplates) {
      expect(spec.hostNetwork ?? false, owner).toBe(false);
      expect(spec.hostPID ?? false, owner).toBe(false);
      expect(spec.hostIPC ?? false, owner).toBe(false);
      for (const volume of spec.volumes ?? []) {
        const types = Object.keys(volume).filter((key) => key !== "name");
        expect(types.length, `${owner} volume ${volume.name}`).toBe(1);
        expect(allowedVolumes, `${owner} volume ${volume.name}`).toContain(types[0]);
      }
      const token = spec.automountServiceAccountToken;
      expect(token, owner).toBe(owner === `Deployment/${server.metadata.name}`);
      for (const container of containersOf(spec)) {
        const label = `${owner} ${container.name}`;
        const context = container.securityContext ?? {};
        expect(context.privileged ?? false, label).toBe(false);
        expect(context.allowPrivilegeEscalation, label).toBe(false);
        expect(context.readOnlyRootFilesystem, label).toBe(true);
        expect(context.capabilities?.drop, label).toEqual(["ALL"]);
        expect(context.capabilities?.add ?? [], label).toEqual([]);
        expect(context.runAsNonRoot ?? spec.securityContext?.runAsNonRoot, label).toBe(true);
        expect(context.runAsUser ?? spec.securityContext?.runAsUser, label).toBeGreaterThan(0);
        expect((context.seccompProfile ?? spec.securityContext?.seccompProfile)?.type, label).toBe("RuntimeDefault");
        for (const port of container.ports ?? []) expect(port.hostPort, label).toBeUndefined();
        expect(container.resources?.limits?.memory, label).toBeDefined();
        expect(container.image, label).not.toMatch(/:latest$|^[^:]+$/);
      }
    }
  });

  it("references only objects it defines: config maps, claims, accounts, selectors, the autoscaler's target", () => {
    const { objects } = overlay();
    const names = (kind: string, namespace: string) => objects.filter((object) => object.kind === kind && object.metadata.namespace === namespace).map((object) => object.metadata.name);
    for (const { owner, namespace, spec } of overlay().podTemplates) {
      if (spec.serviceAccountName) expect(names("ServiceAccount", namespace), owner).toContain(spec.serviceAccountName);
      for (const volume of spec.volumes ?? []) {
        if (volume.persistentVolumeClaim) expect(names("PersistentVolumeClaim", namespace), owner).toContain(volume.persistentVolumeClaim.claimName);
        if (volume.configMap) expect(names("ConfigMap", namespace), owner).toContain(volume.configMap.name);
      }
      for (const container of containersOf(spec)) {
        for (const source of container.envFrom ?? []) if (source.configMapRef) expect(names("ConfigMap", namespace), owner).toContain(source.configMapRef.name);
        const mounted = new Set((spec.volumes ?? []).map((volume) => volume.name));
        for (const mount of container.volumeMounts ?? []) expect(mounted.has(mount.name), `${owner} mounts ${mount.name}`).toBe(true);
      }
    }
    const templates = overlay().podTemplates;
    for (const service of overlay().of<IService>("Service")) {
      const targets = templates.filter((template) => template.namespace === service.metadata.namespace && labelsMatch({ matchLabels: service.spec!.selector }, template.labels));
      expect(targets, `Service/${service.metadata.name}`).toHaveLength(1);
      for (const port of service.spec!.ports!) {
        const ports = containersOf(targets[0]!.spec).map((container) => containerPort(container, port.targetPort));
        expect(ports.some((value) => value !== undefined), `Service/${service.metadata.name} port ${port.name}`).toBe(true);
      }
    }
    for (const budget of overlay().of<IPodDisruptionBudget>("PodDisruptionBudget")) {
      expect(templates.filter((template) => labelsMatch(budget.spec!.selector, template.labels)), `PodDisruptionBudget/${budget.metadata.name}`).toHaveLength(1);
    }
    for (const deployment of overlay().of<IDeployment>("Deployment")) {
      expect(labelsMatch(deployment.spec!.selector, deployment.spec!.template.metadata!.labels!), `Deployment/${deployment.metadata.name}`).toBe(true);
    }
    for (const autoscaler of overlay().of<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler")) {
      expect(names("Deployment", autoscaler.metadata.namespace!)).toContain(autoscaler.spec!.scaleTargetRef.name);
    }
  });
});

describe("the overlays' choices of store and Redis", () => {
  it("small: two servers share one SQLite volume on one node, and an in-cluster Redis only they may reach", () => {
    const small = rendered.get("small")!;
    const { config } = small;
    expect(config.STORE).toBe("sqlite");
    const server = small.deploymentOf("server");
    const pod = server.spec!.template;
    const dataMount = pod.spec!.containers[0]!.volumeMounts!.find((mount) => mount.mountPath === config.DATA_DIR)!;
    const dataVolume = pod.spec!.volumes!.find((volume) => volume.name === dataMount.name)!;
    const claim = small.one<IPersistentVolumeClaim>("PersistentVolumeClaim", dataVolume.persistentVolumeClaim!.claimName);
    expect(claim.spec!.accessModes).toEqual(["ReadWriteOnce"]);
    // One ReadWriteOnce volume, several pods: they must share its node.
    const affinity = pod.spec!.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(affinity.some((term) => term.topologyKey === "kubernetes.io/hostname" && labelsMatch(term.labelSelector, pod.metadata!.labels!))).toBe(true);
    expect(pod.spec!.topologySpreadConstraints).toBeUndefined();

    const redis = small.deploymentOf("redis");
    expect(redis.spec!.template.spec!.containers[0]!.image).toMatch(/(^|\/)redis:7/);
    const redisUrl = new URL(envOf(pod.spec!.containers[0]!, "REDIS_URL")!.value!);
    const [serviceName, namespace] = redisUrl.hostname.split(".");
    const service = small.one<IService>("Service", serviceName!);
    expect(service.metadata.namespace).toBe(namespace);
    expect(labelsMatch({ matchLabels: service.spec!.selector }, redis.spec!.template.metadata!.labels!)).toBe(true);
    expect(service.spec!.ports!.map((port) => port.port)).toContain(Number(redisUrl.port));
    const guarding = small
      .of<INetworkPolicy>("NetworkPolicy")
      .filter((policy) => policy.metadata.namespace === redis.metadata.namespace && labelsMatch(policy.spec!.podSelector, redis.spec!.template.metadata!.labels!));
    expect(guarding).toHaveLength(1);
    const sources = guarding[0]!.spec!.ingress!.flatMap((rule) => rule.from ?? []);
    expect(sources).toEqual([{ podSelector: { matchLabels: server.spec!.selector.matchLabels } }]);
  });

  it("production: Firestore with a mounted key, Redis from a Secret, servers scaled on CPU", () => {
    const production = rendered.get("production")!;
    const { config } = production;
    expect(config.STORE).toBe("firestore");
    expect(config.GOOGLE_CLOUD_PROJECT).toBeTruthy();
    const server = production.deploymentOf("server");
    const container = server.spec!.template.spec!.containers[0]!;
    const keyMount = container.volumeMounts!.find((mount) => config.GOOGLE_APPLICATION_CREDENTIALS!.startsWith(`${mount.mountPath}/`))!;
    expect(keyMount.readOnly).toBe(true);
    expect(server.spec!.template.spec!.volumes!.find((volume) => volume.name === keyMount.name)?.secret?.secretName).toBeTruthy();
    expect(envOf(container, "REDIS_URL")?.valueFrom?.secretKeyRef).toMatchObject({ key: "REDIS_URL" });
    expect(production.of<IDeployment>("Deployment").map((deployment) => deployment.spec!.template.metadata!.labels!["app.kubernetes.io/component"])).not.toContain("redis");
    const autoscaler = production.one<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler", server.metadata.name);
    expect(autoscaler.spec!.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: expect.any(Number) } } }]);
    expect(container.image).toMatch(/^[a-z0-9.-]+\.[a-z]+\/agentdesk\/platform:/);
  });
});

describe("every rendered object against the typed Kubernetes models", () => {
  // The schema validators accept fields they do not know (a misspelt `readOnlyRootFilsystem` would
  // pass and be dropped by the API server). The models' TypeScript interfaces do not: each object is
  // checked as an object literal of its kind's interface, where an unknown field is an error.
  it("has no field the Kubernetes API does not define", () => {
    const objects = overlays.flatMap((name) => rendered.get(name)!.objects.map((object) => ({ overlay: name, object })));
    const kinds = [...new Set(objects.map(({ object }) => `${object.apiVersion}/${object.kind}`))];
    const typeName = (apiVersion: string, kind: string) => `${apiVersion.replace(/[^A-Za-z0-9]/g, "_")}_${kind}`;
    const lines = [
      ...kinds.map((kindPath) => {
        const kind = kindPath.split("/").pop()!;
        const apiVersion = kindPath.slice(0, -kind.length - 1);
        return `import type { I${kind} as ${typeName(apiVersion, kind)} } from "kubernetes-models/${kindPath}";`;
      }),
      ...objects.map(({ object }, index) => `export const object${index}: ${typeName(object.apiVersion, object.kind)} = ${JSON.stringify(object)};`),
    ];
    const firstObjectLine = kinds.length;

    const fileName = path.join(repoRoot, "__rendered-manifests__.ts");
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ["lib.es2022.d.ts"],
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const source = lines.join("\n");
    const readSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) => (name === fileName ? ts.createSourceFile(name, source, language) : readSourceFile(name, language, ...rest));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === fileName || fileExists(name);
    const program = ts.createProgram([fileName], options, host);
    const problems = ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((diagnostic) => {
      const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line : -1;
      const entry = objects[line - firstObjectLine];
      const where = entry ? `${entry.overlay}: ${entry.object.kind}/${entry.object.metadata.name}` : `line ${line}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}`;
    });
    expect(problems).toEqual([]);
  }, 60_000);
});

describe("deploy/README.md and the platform image", () => {
  it("documents every Secret the manifests reference, with its keys", () => {
    const readme = readFileSync(path.join(repoRoot, "deploy/README.md"), "utf8");
    const references = new Map<string, Set<string>>();
    for (const name of overlays) {
      for (const { spec } of rendered.get(name)!.podTemplates) {
        for (const container of containersOf(spec)) {
          for (const variable of container.env ?? []) {
            const ref = variable.valueFrom?.secretKeyRef;
            if (ref?.name) references.set(ref.name, (references.get(ref.name) ?? new Set()).add(ref.key));
          }
        }
        for (const volume of spec.volumes ?? []) {
          if (volume.secret?.secretName) {
            const keys = volume.secret.items?.map((item) => item.key) ?? [];
            references.set(volume.secret.secretName, new Set([...(references.get(volume.secret.secretName) ?? []), ...keys]));
          }
        }
      }
      for (const ingress of rendered.get(name)!.of<IIngress>("Ingress")) {
        for (const tls of ingress.spec!.tls ?? []) references.set(tls.secretName!, references.get(tls.secretName!) ?? new Set());
      }
    }
    expect(references.size).toBeGreaterThan(3);
    for (const [secret, keys] of references) {
      expect(readme, secret).toContain(secret);
      for (const key of keys) expect(readme, `${secret} ${key}`).toContain(key);
    }
  });

  // The manifests assume the image's layout; once docker/platform/Dockerfile exists, hold them to it.
  it.skipIf(!existsSync(path.join(repoRoot, "docker/platform/Dockerfile")))("mounts Next's cache inside the image's working directory and runs as the image's user", () => {
    const dockerfile = readFileSync(path.join(repoRoot, "docker/platform/Dockerfile"), "utf8");
    const workdir = [...dockerfile.matchAll(/^WORKDIR\s+(\S+)/gm)].pop()?.[1];
    const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].pop()?.[1];
    const server = rendered.get("production")!.deploymentOf("server");
    const mounts = server.spec!.template.spec!.containers[0]!.volumeMounts!.map((mount) => mount.mountPath);
    expect(mounts).toContain(`${workdir}/.next/cache`);
    expect(user, "the image runs as a non-root user").toBeDefined();
    const uid = user!.split(":")[0]!;
    if (/^\d+$/.test(uid)) expect(Number(uid)).toBe(server.spec!.template.spec!.securityContext!.runAsUser);
  });
});
