import { execFile } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import { access, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";

import { logger } from "../logger";
import { dockerStatusCode, withDockerRetry, type RetryPolicy } from "./docker-retry";
import { inspectOrUndefined, removeVolume } from "./workspace-storage";
import { WORKSPACE_GID, WORKSPACE_UID } from "./workspace-names";

const run = promisify(execFile);

/*
 * Where a workspace volume's bytes live, and how big it may get. Docker's local volume driver has
 * no size option for plain volumes and refuses `o=loop`, so each volume is an ext4 filesystem in a
 * sparse image file (DATA_DIR/workspace-disks/<volume>.img, 0600) attached to a loop device, and
 * the Docker volume mounts that device (driver local, type=ext4, device=/dev/loopN). A write past
 * the size gets ENOSPC inside that one workspace; the host's disk, the store and other people's
 * workspaces are untouched.
 *
 * Loop devices do not survive a reboot, and a volume's options are fixed when it is created: when
 * a volume names a device that is gone or now holds another file, the image is attached again and
 * the volume object is made anew pointing at it (its containers first, since a volume in use cannot
 * be removed). The files are in the image, so nothing is lost.
 *
 * Attaching is done under flock(1) on the image's lock file, so two server processes on one host
 * never attach one image twice (two loop devices on one ext4 image would corrupt it).
 */

export type DiskState = "usable" | "elsewhere" | "orphaned";

export interface WorkspaceVolumes {
  /** The quota in bytes, or null when volumes are plain (no limit). Known after the first probe. */
  limitBytes(): Promise<number | null>;
  /** Creates the volume (and its disk) when missing; re-points it when its loop device went away. */
  ensure(name: string, labels: Record<string, string>): Promise<void>;
  /** Removes the volume, then its loop device and image. */
  remove(name: string): Promise<void>;
  /**
   * Whether this server can hand the volume out: "usable"; "elsewhere" when its disk is another
   * DATA_DIR's (a second setup on this engine); "orphaned" when its image was deleted (a test's
   * DATA_DIR removed with its server): nobody's, and gone once detached.
   */
  diskState(name: string): Promise<DiskState>;
  /** At server start: attach every image again and re-point volumes whose device went away. */
  reattachAll(): Promise<void>;
}

/** Volumes as Docker makes them: no size limit. */
export class PlainWorkspaceVolumes implements WorkspaceVolumes {
  constructor(
    private readonly docker: Docker,
    private readonly retry: RetryPolicy,
  ) {}

  limitBytes(): Promise<number | null> {
    return Promise.resolve(null);
  }

  async ensure(name: string, labels: Record<string, string>): Promise<void> {
    // Creating a volume that exists returns it: safe from two servers at once.
    await withDockerRetry("create the workspace volume", () => this.docker.createVolume({ Name: name, Labels: labels }), this.retry);
  }

  remove(name: string): Promise<void> {
    return removeVolume(this.docker, name, this.retry);
  }

  diskState(): Promise<DiskState> {
    return Promise.resolve("usable");
  }

  reattachAll(): Promise<void> {
    return Promise.resolve();
  }
}

export interface LoopDiskSettings {
  sizeMb: number;
  /** Where the images are kept: DATA_DIR/workspace-disks. */
  directory: string;
  retry: RetryPolicy;
  /** The kernel's loop control device; another path lets a test see a host without loop devices. */
  loopControl?: string;
}

export function workspaceDiskDirectory(dataDir: string): string {
  return path.resolve(dataDir, "workspace-disks");
}

/** A loop-backed volume of `sizeMb`, when this host can attach loop devices; plain volumes (logged once) when not. */
export class LoopDiskVolumes implements WorkspaceVolumes {
  private probed: Promise<boolean> | undefined;
  private readonly plain: PlainWorkspaceVolumes;

  constructor(
    private readonly docker: Docker,
    private readonly settings: LoopDiskSettings,
  ) {
    this.plain = new PlainWorkspaceVolumes(docker, settings.retry);
  }

  async limitBytes(): Promise<number | null> {
    return (await this.available()) ? this.settings.sizeMb * 1024 * 1024 : null;
  }

  async ensure(name: string, labels: Record<string, string>): Promise<void> {
    if (!(await this.available())) return this.plain.ensure(name, labels);
    const existing = await this.inspect(name);
    const image = this.imagePath(name);
    if (existing && !existing.Options?.device && !(await exists(image))) {
      // Made before the quota was turned on: its files are in Docker's own directory. Kept as it
      // is (no limit) rather than copied; docs/operations.md says how to move one onto a disk.
      return;
    }
    const imageExists = await exists(image);
    if (existing?.Options?.device && !imageExists) {
      // Its device still holds this volume's image from another DATA_DIR (a second server setup on
      // this engine): that disk is the person's, leave it be.
      if (isImageOf(await backingFile(existing.Options.device), name)) return;
      // DATA_DIR lost its disks (wiped): what was on it is gone. An empty disk lets the person work
      // again rather than never start.
      logger.error({ volume: name, image }, "a workspace disk's image is missing: the volume gets an empty disk");
    }
    const device = await this.attach(image, { create: !imageExists });
    if (existing?.Options?.device === device) return;
    if (existing) await this.repoint(name, existing.Labels ?? labels);
    await withDockerRetry(
      "create the workspace volume",
      () => this.docker.createVolume({ Name: name, Labels: existing?.Labels ?? labels, Driver: "local", DriverOpts: { type: "ext4", device } }),
      this.settings.retry,
    );
  }

  async remove(name: string): Promise<void> {
    const device = (await this.inspect(name))?.Options?.device;
    await this.plain.remove(name);
    if (!(await this.available())) return;
    const image = this.imagePath(name);
    await this.locked(image, ["sh", "-c", 'for d in $(losetup -n -O NAME -j "$1"); do losetup -d "$d"; done; rm -f "$1"', "sh", image]);
    await rm(`${image}.lock`, { force: true });
    // A disk made under another DATA_DIR (deleted since, or a second setup on this engine): its
    // device still holds this volume's image; with the volume gone nothing can use it.
    if (device && isImageOf(await backingFile(device), name)) await run("losetup", ["-d", device]).catch(() => undefined);
  }

  async diskState(name: string): Promise<DiskState> {
    const device = (await this.inspect(name))?.Options?.device;
    if (!device || !(await this.available())) return "usable";
    const backing = await backingFile(device);
    if (backing === this.imagePath(name)) return "usable";
    return backing.endsWith(" (deleted)") ? "orphaned" : "elsewhere";
  }

  async reattachAll(): Promise<void> {
    if (!(await this.available())) return;
    const images = (await readdir(this.settings.directory)).filter((file) => file.endsWith(".img"));
    for (const file of images) {
      const name = file.slice(0, -".img".length);
      // Only volumes that exist: an image whose volume is gone is re-attached when its person comes back.
      const existing = await this.inspect(name);
      if (!existing) continue;
      try {
        await this.ensure(name, existing.Labels ?? {});
      } catch (error) {
        logger.error({ err: error, volume: name }, "could not re-attach a workspace disk");
      }
    }
    if (images.length > 0) logger.info({ disks: images.length }, "workspace disks attached");
  }

  /** Whether loop devices work here; decided once, with one log line when they do not. */
  private available(): Promise<boolean> {
    this.probed ??= (async () => {
      try {
        await access(this.settings.loopControl ?? "/dev/loop-control", fsConstants.R_OK | fsConstants.W_OK);
        // Asks the kernel for a free device: fails without CAP_SYS_ADMIN even as root in a container.
        await run("losetup", ["-f"]);
        await run("sh", ["-c", 'for c in losetup flock truncate mkfs.ext4 dumpe2fs resize2fs; do command -v "$c" >/dev/null || { echo "$c is not installed" >&2; exit 1; }; done']);
        await mkdir(this.settings.directory, { recursive: true, mode: 0o700 });
        return true;
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        const reason = stderr || (error instanceof Error ? error.message.split("\n")[0] : String(error));
        logger.warn(
          { WORKSPACE_DISK_MB: this.settings.sizeMb, reason },
          "WORKSPACE_DISK_MB is not enforced: this host cannot attach loop devices (no /dev/loop-control, CAP_SYS_ADMIN, util-linux or e2fsprogs), so workspaces have no disk limit",
        );
        return false;
      }
    })();
    return this.probed;
  }

  private imagePath(volume: string): string {
    return path.join(this.settings.directory, `${volume}.img`);
  }

  /** The loop device holding the image, attaching it (and making the image, when `create`) if needed. */
  private async attach(image: string, { create }: { create: boolean }): Promise<string> {
    // Sparse: the host's disk fills only as the person writes. root_owner: the workspace user owns
    // the top folder. ext4's own metadata (journal, inode tables: 3-15 %) is added on top with
    // resize2fs, so the person can store WORKSPACE_DISK_MB, as the Files panel says. lost+found is
    // removed: nobody in a workspace can use it (e2fsck recreates it when needed).
    const make = create
      ? `[ -e "$1" ] || { umask 077 && truncate -s ${this.settings.sizeMb}M "$1.new" && mkfs.ext4 -q -m 0 -E root_owner=${WORKSPACE_UID}:${WORKSPACE_GID} "$1.new" && ` +
        `extra=$(dumpe2fs -h "$1.new" 2>/dev/null | awk -F: '/^Overhead clusters/{o=$2} /^Block size/{b=$2} END{print int(o*b/1048576)+1}') && ` +
        `truncate -s +"$extra"M "$1.new" && resize2fs -f "$1.new" >/dev/null 2>&1 && ` +
        `{ debugfs -w -R "rmdir lost+found" "$1.new" >/dev/null 2>&1 || true; } && mv "$1.new" "$1"; } && `
      : "";
    const script = `${make}d=$(losetup -n -O NAME -j "$1" | head -n 1); [ -n "$d" ] || d=$(losetup -f --show "$1"); echo "$d"`;
    const device = (await this.locked(image, ["sh", "-c", script, "sh", image])).trim();
    if (!device.startsWith("/dev/loop")) throw new Error(`attaching ${image} gave no loop device`);
    return device;
  }

  /** Removes the volume object (and the containers holding it: their files are on the image) so it can be made anew. */
  private async repoint(name: string, labels: Record<string, string>): Promise<void> {
    const users = await withDockerRetry(
      "list the workspaces using a volume",
      () => this.docker.listContainers({ all: true, filters: JSON.stringify({ volume: [name] }) }),
      this.settings.retry,
    );
    for (const container of users) {
      await this.docker
        .getContainer(container.Id)
        .remove({ force: true })
        .catch((error: unknown) => (dockerStatusCode(error) === 404 ? undefined : Promise.reject(error)));
    }
    await removeVolume(this.docker, name, this.settings.retry);
    logger.info({ volume: name, labels, containers: users.length }, "workspace volume re-pointed at its disk's new loop device");
  }

  private inspect(name: string): Promise<Docker.VolumeInspectInfo | undefined> {
    return inspectOrUndefined("inspect the workspace volume", () => this.docker.getVolume(name).inspect(), this.settings.retry);
  }

  private async locked(image: string, command: string[]): Promise<string> {
    const { stdout } = await run("flock", ["-x", `${image}.lock`, ...command], { timeout: 120_000 });
    return stdout;
  }
}

/** Whether a loop device's backing file (as losetup prints it, " (deleted)" when unlinked) is this volume's image. */
function isImageOf(backing: string, volume: string): boolean {
  return backing.replace(/ \(deleted\)$/, "").endsWith(`/${volume}.img`);
}

/** The file a loop device holds ("" when the device is free or gone). */
async function backingFile(device: string): Promise<string> {
  return run("losetup", ["-n", "-O", "BACK-FILE", device]).then(
    ({ stdout }) => stdout.trim(),
    () => "",
  );
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
