/**
 * Checks of the storage under a queue home: file systems that do not keep data across a reboot
 * (tmpfs) or do not honour locks and fsync the same way (NFS, SMB, FUSE), and an fsync so fast
 * the disk is probably not flushing.
 * @module
 */

import { join } from "../platform/paths.ts";
import { readProcFile } from "../platform/proc_files.ts";

/** File system types worth a warning, and why. */
const RISKY_FILESYSTEMS: Record<string, string> = {
  tmpfs: "tmpfs keeps the queue in memory: every job is lost at reboot",
  ramfs: "ramfs keeps the queue in memory: every job is lost at reboot",
  nfs: "NFS may not honour flock and fsync as a local disk does",
  nfs4: "NFS may not honour flock and fsync as a local disk does",
  cifs: "SMB/CIFS may not honour flock and fsync as a local disk does",
  smb3: "SMB may not honour flock and fsync as a local disk does",
};

/**
 * The type of the file system holding `path`, from `/proc/self/mountinfo` (Linux).
 * Requires `--allow-run` (see `readProcFile`).
 * @param path An absolute path.
 * @returns e.g. `ext4`, `tmpfs`, or `undefined` if unknown.
 */
export async function fileSystemType(path: string): Promise<string | undefined> {
  const mountinfo = await readProcFile("/proc/self/mountinfo");
  if (mountinfo === undefined) return undefined;
  let best: { point: string; type: string } | undefined;
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const point = left.split(" ")[4]?.replace(/\\040/g, " ");
    const type = right.split(" ")[0];
    if (!point || !type) continue;
    const inside = path === point || path.startsWith(point.endsWith("/") ? point : `${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, type };
  }
  return best?.type;
}

/**
 * Why the file system type is a risk for the journal, if it is.
 * @param type A type from {@linkcode fileSystemType}.
 * @returns A warning, or `undefined`.
 */
export function fileSystemWarning(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  if (type.startsWith("fuse")) return `${type} may not honour flock and fsync as a local disk does`;
  return RISKY_FILESYSTEMS[type];
}

/**
 * Median time of a 4 KiB write + fdatasync in `dir`, in microseconds.
 * Requires `--allow-read` and `--allow-write`.
 * @param dir A directory on the file system to test.
 * @param rounds How many fsyncs to time.
 * @returns The median latency.
 */
export async function fsyncLatencyMicros(dir: string, rounds = 15): Promise<number> {
  const path = join(dir, `.fsync-probe-${crypto.randomUUID().slice(0, 8)}`);
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  const block = new Uint8Array(4096).fill(120);
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      await file.write(block);
      await file.syncData();
      times.push((performance.now() - start) * 1000);
    }
  } finally {
    file.close();
    await Deno.remove(path).catch(() => {});
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Below this, an fsync is unlikely to have reached stable storage. */
export const SUSPICIOUS_FSYNC_MICROS = 30;
