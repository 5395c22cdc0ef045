import { createHash, randomBytes } from "node:crypto";
import type Docker from "dockerode";

import { logger } from "../logger";
import { dockerStatusCode, withDockerRetry } from "./docker-retry";
import { createWorkspaceContainer, type WorkspaceContainerLimits } from "./workspace-container";
import { ensureWorkspaceNetwork, removeWorkspaceNetwork } from "./workspace-network";
import { KIND_LABEL, POOL_LABEL, POOL_NETWORK_LABEL, POOL_SHAPE_LABEL, POOL_SLOT_LABEL, POOL_VOLUME_LABEL, warmPoolLabels } from "./workspace-names";
import type { WorkspaceVolumes } from "./loop-disks";
import { poolSlotNames } from "./workspace-storage";

/*
 * Workspaces made ahead of demand for people who have none yet. A slot is a container with its
 * own empty volume (and, with isolation, its own internal network), created with the same
 * confinement as a user's, started and checked to answer under the name `${slot}.warming`, then
 * renamed to `${slot}`: only that name counts as ready, so a half-made slot (or one another
 * server is still checking) is never handed out. A new user claims one by renaming it to their
 * container name — a rename by the source name is atomic across servers, the loser gets 404 — and
 * it is theirs from then on (volume included); it never returns to the pool, so no slot ever
 * carries anyone's files.
 */

const WARMING_SUFFIX = ".warming";
/** A slot still warming after this long was left by a server that stopped mid-way. */
const ABANDONED_WARMING_MS = 2 * 60_000;

/**
 * How long the background filler waits after a claim. The claiming person's CLI boots right after
 * (≈1.2 s wall, 0.3–0.6 CPU-s here: bench/README.md) and their first turn follows; 10 s covers both.
 */
const DEFAULT_AFTER_CLAIM_QUIET_MS = 10_000;

export interface WarmPoolFillerOptions {
  /** True while CLIs start or wait to: no slot is made then. */
  isBusy: () => boolean;
  intervalMs?: number;
  afterClaimQuietMs?: number;
}

export interface WarmPoolSettings {
  /** Ready slots to keep; 0 turns the pool off. */
  size: number;
  /** Name prefix of the pool's objects and value of their pool label: a test's pool is its own. */
  prefix: string;
}

export interface WarmPoolDependencies {
  docker: Docker;
  /** The same volumes (and disk quota) as a user's: a claimed slot's disk becomes the user's. */
  volumes: WorkspaceVolumes;
  limits: WorkspaceContainerLimits;
  /** Per-slot internal networks, as for users (WORKSPACE_NETWORK_ISOLATION). */
  networkIsolation?: { subnetPool: string };
  /** The shared network when there is no isolation. */
  network?: string;
  /** Resolves once an exec in the started container answers. */
  waitUntilReady(containerId: string, name: string): Promise<void>;
}

export interface ClaimedSlot {
  slot: string;
  /** The container's labels: they name the slot's volume and network. */
  labels: Record<string, string>;
}

/**
 * What a slot was made with, beyond its image: a server with other settings on the same engine
 * (network isolation off, other limits or disk size) must not hand it out. A slot made on an
 * isolated network, claimed by a server without isolation, could not reach that server's model.
 */
export async function warmPoolShape(deps: Pick<WarmPoolDependencies, "limits" | "networkIsolation" | "network" | "volumes">): Promise<string> {
  const { memoryMb, cpus, pidsLimit, tmpfsMb } = deps.limits;
  const network = deps.networkIsolation ? { isolated: deps.networkIsolation.subnetPool } : { shared: deps.network ?? "bridge" };
  const shape = JSON.stringify({ memoryMb, cpus, pidsLimit, tmpfsMb, network, diskBytes: await deps.volumes.limitBytes() });
  return createHash("sha256").update(shape).digest("hex").slice(0, 16);
}

export class WarmPool {
  private shape: Promise<string> | undefined;
  private ready: string[] = [];
  private refilling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isBusy: () => boolean = () => false;
  private afterClaimQuietMs = DEFAULT_AFTER_CLAIM_QUIET_MS;
  /** The background filler makes no slot before this (ms since epoch): set by a claim. */
  private quietUntil = 0;

  constructor(
    private readonly settings: WarmPoolSettings,
    private readonly deps: WarmPoolDependencies,
  ) {}

  /** Ready slots this server knows of (the agentdesk_warm_pool_ready gauge). */
  get readyCount(): number {
    return this.ready.length;
  }

  /**
   * Refills in the background, one slot at a time, whenever `isBusy` says no CLI is starting or
   * waiting to: making a container competes for the same CPU as a person's agent starting.
   */
  start(options: WarmPoolFillerOptions): void {
    if (this.timer || this.settings.size <= 0) return;
    this.isBusy = options.isBusy;
    this.afterClaimQuietMs = options.afterClaimQuietMs ?? DEFAULT_AFTER_CLAIM_QUIET_MS;
    const tick = () => {
      if (Date.now() < this.quietUntil) return;
      this.refill().catch((error: unknown) => logger.warn({ err: error }, "warm pool refill failed"));
    };
    this.timer = setInterval(tick, options.intervalMs ?? 2_000);
    this.timer.unref();
    tick();
  }

  /** Stops refilling (after the slot being made, if any); the ready slots stay for the next start. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.refilling?.catch(() => undefined);
  }

  /** One refill pass: takes stock of the pool on the engine, then makes one slot if it is short and the machine is idle. */
  refill(): Promise<void> {
    this.refilling ??= (async () => {
      await this.takeStock();
      if (this.ready.length < this.settings.size && !this.isBusy()) await this.makeSlot();
    })().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }

  /** Renames a ready slot to `containerName`; undefined when none is ready or the name is already taken. */
  async claim(containerName: string): Promise<ClaimedSlot | undefined> {
    for (let slot = this.ready.shift(); slot !== undefined; slot = this.ready.shift()) {
      try {
        await withDockerRetry("claim a warm workspace", () => this.deps.docker.getContainer(slot!).rename({ name: containerName }), this.deps.limits.retry);
      } catch (error) {
        const status = dockerStatusCode(error);
        // 404: another server claimed it first; try the next.
        if (status === 404) continue;
        // 409: the user's container exists after all (made by another server just now): the slot stays in the pool.
        if (status === 409) {
          this.ready.unshift(slot);
          return undefined;
        }
        throw error;
      }
      const info = await this.deps.docker.getContainer(containerName).inspect();
      // The claimer's CLI is about to boot in it: a refill now (a container create and start, a
      // few hundred ms of CPU) would compete with the person's first answer, so it waits a while.
      this.quietUntil = Date.now() + this.afterClaimQuietMs;
      return { slot, labels: info.Config.Labels ?? {} };
    }
    return undefined;
  }

  private shapeOfSlots(): Promise<string> {
    this.shape ??= warmPoolShape(this.deps);
    return this.shape;
  }

  private async takeStock(): Promise<void> {
    const { docker } = this.deps;
    const [containers, image, shape] = await Promise.all([
      withDockerRetry(
        "list the warm pool",
        () =>
          docker.listContainers({
            all: true,
            filters: JSON.stringify({ label: [`${POOL_LABEL}=${this.settings.prefix}`, `${KIND_LABEL}=workspace-pool`] }),
          }),
        this.deps.limits.retry,
      ),
      docker.getImage(this.deps.limits.image).inspect(),
      this.shapeOfSlots(),
    ]);
    const ready: string[] = [];
    for (const container of containers) {
      const slot = container.Labels[POOL_SLOT_LABEL];
      const name = (container.Names[0] ?? "").replace(/^\//, "");
      // A claimed slot (renamed to a user's name) is that user's now.
      if (!slot || (name !== slot && name !== `${slot}${WARMING_SUFFIX}`)) continue;
      // A slot on another DATA_DIR's disk is that setup's to hand out; one whose image was deleted is nobody's.
      const disk = name === slot ? await this.deps.volumes.diskState(poolSlotNames(this.settings.prefix, slot).volume) : "usable";
      if (disk === "elsewhere") continue;
      const sameShape = container.Labels[POOL_SHAPE_LABEL] === shape;
      if (name === slot && container.State === "running" && container.ImageID === image.Id && sameShape && disk === "usable") {
        ready.push(slot);
      } else if (name === slot || Date.now() - container.Created * 1_000 > ABANDONED_WARMING_MS) {
        // From another image or other settings, stopped (engine restart), or abandoned mid-way: unused, so nothing of anyone's is lost.
        await this.removeSlot(slot, name);
      }
    }
    // Keep this server's order (oldest first) and add what other servers made.
    this.ready = [...this.ready.filter((slot) => ready.includes(slot)), ...ready.filter((slot) => !this.ready.includes(slot))];
  }

  private async makeSlot(): Promise<void> {
    const { docker, limits } = this.deps;
    const slot = `${this.settings.prefix}-${randomBytes(5).toString("hex")}`;
    const names = poolSlotNames(this.settings.prefix, slot);
    const startedAt = Date.now();
    try {
      await this.deps.volumes.ensure(names.volume, warmPoolLabels(this.settings.prefix, "workspace-pool-data"));
      const network = this.deps.networkIsolation
        ? await ensureWorkspaceNetwork(docker, names.network, { subnetPool: this.deps.networkIsolation.subnetPool, retry: limits.retry })
        : (this.deps.network ?? "bridge");
      const warmingName = `${slot}${WARMING_SUFFIX}`;
      await createWorkspaceContainer(docker, limits, {
        name: warmingName,
        volume: names.volume,
        network,
        labels: {
          ...warmPoolLabels(this.settings.prefix, "workspace-pool"),
          [POOL_SLOT_LABEL]: slot,
          [POOL_VOLUME_LABEL]: names.volume,
          [POOL_NETWORK_LABEL]: names.network.name,
          [POOL_SHAPE_LABEL]: await this.shapeOfSlots(),
        },
      });
      const container = docker.getContainer(warmingName);
      await withDockerRetry("start a warm workspace", () => container.start(), limits.retry);
      const { Id } = await container.inspect();
      await this.deps.waitUntilReady(Id, warmingName);
      await withDockerRetry("mark a warm workspace ready", () => container.rename({ name: slot }), limits.retry);
      this.ready.push(slot);
      logger.debug({ slot, ms: Date.now() - startedAt, ready: this.ready.length }, "warm workspace ready");
    } catch (error) {
      await this.removeSlot(slot, `${slot}${WARMING_SUFFIX}`, { evenIfGone: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Removes an unclaimed slot: its container, volume and network. By the slot's own name, never
   * its id: if a server claimed it meanwhile the name is gone (404) and the user's files stay.
   */
  private async removeSlot(slot: string, container: string, { evenIfGone = false } = {}): Promise<void> {
    const { docker, limits } = this.deps;
    const names = poolSlotNames(this.settings.prefix, slot);
    try {
      await docker.getContainer(container).remove({ force: true });
    } catch (error) {
      if (dockerStatusCode(error) !== 404) throw error;
      if (!evenIfGone) return;
    }
    await this.deps.volumes.remove(names.volume);
    if (this.deps.networkIsolation) await removeWorkspaceNetwork(docker, names.network.name, limits.retry);
  }
}
