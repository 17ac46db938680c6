/**
 * Test double: an in-memory file system for one queue home that records every write, fsync,
 * rename and directory fsync, and can list every state a power loss at any instant could leave:
 * unsynced appends dropped, cut at any byte, or their tail zero-filled or garbage; directory
 * changes since the last directory fsync applied or not (in order). It can also fail chosen
 * operations (a full disk) and tell how much was read while the lock was held.
 * @module
 */

import { basename } from "node:path";
import { Mutex } from "../../src/journal/mutex.ts";
import type { JournalStorage, StorageFile, StorageLock } from "../../src/journal/storage.ts";

type ContentOp = { kind: "append"; bytes: Uint8Array } | { kind: "truncate"; length: number };
type MetaOp =
  | { kind: "create"; name: string; ino: number }
  | { kind: "rename"; from: string; to: string }
  | { kind: "remove"; name: string };

/** Operations a {@linkcode Fault} can make fail. */
export type FaultOp = "create" | "write" | "sync" | "rename" | "syncDirectory";

/** Operations `op` on a file whose name matches `name` throw `error`, until cleared. */
export interface Fault {
  op: FaultOp;
  name: RegExp;
  error: Error;
}

/** The error a full disk gives, as Deno reports ENOSPC. */
export function noSpace(): Error {
  return new Error("No space left on device (os error 28)");
}

interface Inode {
  data: Uint8Array;
  durable: Uint8Array;
  pending: ContentOp[];
}

/** A disk as it could be found after a crash: names and file contents. */
export interface DiskImage {
  names: Map<string, number>;
  contents: Map<number, Uint8Array>;
}

/** A moment during the workload where power could be lost. */
export interface CrashPoint {
  /** Store operations acknowledged before this moment. */
  acknowledged: number;
  /** How many of the first operations must survive: up to the last durable one acknowledged. */
  durable: number;
  /** What each file and the directory held, durable and not yet durable, at that moment. */
  state: {
    inodes: Map<number, Inode>;
    names: Map<string, number>;
    durableNames: Map<string, number>;
    meta: MetaOp[];
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function applyContent(data: Uint8Array, op: ContentOp): Uint8Array {
  return op.kind === "append" ? concat(data, op.bytes) : data.slice(0, op.length);
}

function applyMeta(names: Map<string, number>, op: MetaOp): void {
  if (op.kind === "create") names.set(op.name, op.ino);
  else if (op.kind === "remove") names.delete(op.name);
  else {
    const ino = names.get(op.from);
    if (ino === undefined) return;
    names.delete(op.from);
    names.set(op.to, ino);
  }
}

class SimFile implements StorageFile {
  readonly ino: number;
  #disk: SimulatedStorage;
  constructor(disk: SimulatedStorage, ino: number) {
    this.#disk = disk;
    this.ino = ino;
  }
  readText(offset: number, onText: (text: string) => void): Promise<number> {
    const data = this.#disk.inodeData(this.ino);
    const slice = data.subarray(Math.min(offset, data.length));
    this.#disk.noteRead(slice.length);
    if (slice.length > 0) onText(new TextDecoder().decode(slice));
    return Promise.resolve(slice.length);
  }
  readAt(offset: number, length: number): Promise<Uint8Array> {
    const bytes = this.#disk.inodeData(this.ino).slice(offset, offset + length);
    this.#disk.noteRead(bytes.length);
    return Promise.resolve(bytes);
  }
  size(): Promise<number> {
    return Promise.resolve(this.#disk.inodeData(this.ino).length);
  }
  write(bytes: Uint8Array): Promise<void> {
    this.#disk.check("write", this.ino);
    this.#disk.content(this.ino, { kind: "append", bytes: bytes.slice() });
    return Promise.resolve();
  }
  truncate(length: number): Promise<void> {
    this.#disk.content(this.ino, { kind: "truncate", length });
    return Promise.resolve();
  }
  syncData(): Promise<void> {
    this.#disk.check("sync", this.ino);
    this.#disk.sync(this.ino);
    return Promise.resolve();
  }
  close(): void {}
}

/** The simulated disk. All paths are taken by their base name: one directory, the home. */
export class SimulatedStorage implements JournalStorage {
  #inodes = new Map<number, Inode>();
  #names = new Map<string, number>();
  #durableNames = new Map<string, number>();
  #meta: MetaOp[] = [];
  #nextIno = 1;
  #mutex = new Mutex();
  #acknowledged = 0;
  #durable = 0;
  #recording: CrashPoint[] | undefined;
  #faults: Fault[] = [];
  #locked = false;
  #beforeLock: (() => Promise<void>) | undefined;
  /** Bytes read through any file while a lock section was running. */
  bytesReadUnderLock = 0;

  /** A disk holding exactly `image`, everything durable. */
  static fromImage(image: DiskImage): SimulatedStorage {
    const disk = new SimulatedStorage();
    for (const [name, ino] of image.names) {
      const data = image.contents.get(ino) ?? new Uint8Array();
      disk.#inodes.set(ino, { data, durable: data, pending: [] });
      disk.#names.set(name, ino);
      disk.#durableNames.set(name, ino);
      disk.#nextIno = Math.max(disk.#nextIno, ino + 1);
    }
    return disk;
  }

  /** Makes matching operations fail from now on; see {@linkcode Fault}. */
  failOn(fault: Fault): void {
    this.#faults.push(fault);
  }

  /** Ends every injected fault. */
  clearFaults(): void {
    this.#faults = [];
  }

  /** Throws the injected error if operation `op` on inode `ino` (or the file `name`) matches. */
  check(op: FaultOp, ino: number | undefined, name?: string): void {
    const names = name !== undefined
      ? [name]
      : [...this.#names].filter(([, i]) => i === ino).map(([n]) => n);
    const fault = this.#faults.find((f) => f.op === op && names.some((n) => f.name.test(n)));
    if (fault) throw fault.error;
  }

  noteRead(bytes: number): void {
    if (this.#locked) this.bytesReadUnderLock += bytes;
  }

  /**
   * Runs `action` once, right before the next lock section starts waiting for the lock, as
   * another process could: e.g. a compaction between a catch-up and the lock.
   */
  beforeNextLock(action: () => Promise<void>): void {
    this.#beforeLock = action;
  }

  /** What survives a power loss now: the durable names and each file's durable bytes. */
  durableImage(): DiskImage {
    const contents = new Map<number, Uint8Array>();
    for (const ino of this.#durableNames.values()) {
      contents.set(ino, this.#inodes.get(ino)?.durable ?? new Uint8Array());
    }
    return { names: new Map(this.#durableNames), contents };
  }

  /** Names of every file on the disk now. */
  get names(): string[] {
    return [...this.#names.keys()];
  }

  /** Starts keeping a crash point after every operation. */
  record(): void {
    this.#recording = [];
    this.#mark();
  }

  /**
   * Tells the disk the workload's operation was acknowledged to its caller.
   * @param durable Whether the operation promises durability (a claim does not).
   */
  acknowledge(durable = true): void {
    this.#acknowledged++;
    if (durable) this.#durable = this.#acknowledged;
  }

  /** Every crash point recorded so far. */
  get crashPoints(): CrashPoint[] {
    return this.#recording ?? [];
  }

  /** Current bytes of a file by name (for assertions). */
  fileText(name: string): string | undefined {
    const ino = this.#names.get(name);
    return ino === undefined ? undefined : new TextDecoder().decode(this.inodeData(ino));
  }

  inodeData(ino: number): Uint8Array {
    return this.#inodes.get(ino)?.data ?? new Uint8Array();
  }

  content(ino: number, op: ContentOp): void {
    const inode = this.#inodes.get(ino)!;
    inode.data = applyContent(inode.data, op);
    inode.pending.push(op);
    this.#mark();
  }

  sync(ino: number): void {
    const inode = this.#inodes.get(ino)!;
    inode.durable = inode.data;
    inode.pending = [];
    this.#mark();
  }

  #metaOp(op: MetaOp): void {
    applyMeta(this.#names, op);
    this.#meta.push(op);
    this.#mark();
  }

  #mark(): void {
    if (!this.#recording) return;
    const inodes = new Map<number, Inode>();
    for (const [ino, inode] of this.#inodes) {
      inodes.set(ino, { data: inode.data, durable: inode.durable, pending: [...inode.pending] });
    }
    this.#recording.push({
      acknowledged: this.#acknowledged,
      durable: this.#durable,
      state: {
        inodes,
        names: new Map(this.#names),
        durableNames: new Map(this.#durableNames),
        meta: [...this.#meta],
      },
    });
  }

  ensureHome(): Promise<void> {
    return Promise.resolve();
  }
  openLock(): Promise<StorageLock> {
    const mutex = this.#mutex;
    const withLock = async <T>(section: () => Promise<T>): Promise<T> => {
      const action = this.#beforeLock;
      this.#beforeLock = undefined;
      if (action) await action();
      return await mutex.run(async () => {
        this.#locked = true;
        try {
          return await section();
        } finally {
          this.#locked = false;
        }
      });
    };
    return Promise.resolve({ withLock, release() {} });
  }
  inode(path: string): Promise<number | undefined> {
    return Promise.resolve(this.#names.get(basename(path)));
  }
  openAppend(path: string): Promise<StorageFile | undefined> {
    const ino = this.#names.get(basename(path));
    return Promise.resolve(ino === undefined ? undefined : new SimFile(this, ino));
  }
  createNew(path: string): Promise<StorageFile> {
    const name = basename(path);
    this.check("create", undefined, name);
    if (this.#names.has(name)) throw new Deno.errors.AlreadyExists(name);
    const ino = this.#nextIno++;
    this.#inodes.set(ino, { data: new Uint8Array(), durable: new Uint8Array(), pending: [] });
    this.#metaOp({ kind: "create", name, ino });
    return Promise.resolve(new SimFile(this, ino));
  }
  rename(from: string, to: string): Promise<void> {
    this.check("rename", undefined, basename(from));
    this.#metaOp({ kind: "rename", from: basename(from), to: basename(to) });
    return Promise.resolve();
  }
  syncDirectory(dir: string): Promise<void> {
    this.check("syncDirectory", undefined, basename(dir));
    this.#durableNames = new Map(this.#names);
    this.#meta = [];
    this.#mark();
    return Promise.resolve();
  }
  remove(path: string): Promise<void> {
    if (this.#names.has(basename(path))) this.#metaOp({ kind: "remove", name: basename(path) });
    return Promise.resolve();
  }
  list(): Promise<string[]> {
    return Promise.resolve([...this.#names.keys()]);
  }
}

/** Ways the last unsynced append can be found after power loss, besides whole or missing. */
const TAIL_DAMAGE = ["cut", "zeros", "garbage"] as const;

function contentVariants(inode: Inode): Uint8Array[] {
  const variants: Uint8Array[] = [];
  let data = inode.durable;
  variants.push(data);
  for (const op of inode.pending) {
    if (op.kind === "append") {
      const n = op.bytes.length;
      const step = Math.max(1, Math.floor(n / 16));
      const cuts = new Set([1, n - 1]);
      for (let cut = step; cut < n; cut += step) cuts.add(cut);
      // Every record boundary inside a multi-record append, exactly at and just after a newline.
      for (let i = 0; i < n - 1; i++) if (op.bytes[i] === 10) cuts.add(i + 1).add(i + 2);
      for (const cut of cuts) {
        if (cut <= 0 || cut >= n) continue;
        for (const damage of TAIL_DAMAGE) {
          const tail = op.bytes.slice(0, n);
          if (damage === "cut") variants.push(concat(data, tail.subarray(0, cut)));
          else {
            tail.fill(damage === "zeros" ? 0 : 0x7a, cut);
            if (damage === "garbage") tail[n - 1] = 10; // garbage may even end in a newline
            variants.push(concat(data, tail));
          }
        }
      }
    }
    data = applyContent(data, op);
    variants.push(data);
  }
  return variants;
}

/**
 * Every disk image a power loss at this point could leave, for the file named `name`.
 * @param point A recorded crash point.
 * @param name The file that matters (the journal).
 * @returns The images.
 */
export function crashImages(point: CrashPoint, name: string): DiskImage[] {
  const images: DiskImage[] = [];
  const { inodes, durableNames, meta } = point.state;
  for (let m = 0; m <= meta.length; m++) {
    const names = new Map(durableNames);
    for (const op of meta.slice(0, m)) applyMeta(names, op);
    const ino = names.get(name);
    if (ino === undefined) {
      images.push({ names, contents: new Map() });
      continue;
    }
    for (const content of contentVariants(inodes.get(ino)!)) {
      images.push({ names: new Map([[name, ino]]), contents: new Map([[ino, content]]) });
    }
  }
  return images;
}
