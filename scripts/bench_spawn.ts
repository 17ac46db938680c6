// deno-lint-ignore-file no-console
/**
 * The ways to start a job's process alone in a new process group from a large Deno process (a
 * worker), side by side in one run: spawns of `true` per second, one at a time and with 2 and 8
 * at once from the same process (a worker's slots), median of 3 rounds, the ways interleaved.
 * Each way is first checked: does the job's shell lead its own group and session?
 *
 * Usage: deno run -A scripts/bench_spawn.ts [--spawns N] [--seconds S] [--rounds N] [--ballast MiB]
 *   --spawns   spawns per figure (default 1000), or fewer if they take longer than --seconds (5)
 *   --rounds   figures per way and concurrency, the median reported (default 3)
 *   --ballast  MiB this process allocates and touches first, as big as a worker (default 100)
 * @module
 */

import { Launcher } from "../src/worker/launcher.ts";

const flag = (name: string, fallback: number) => {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Number(Deno.args[at + 1]) : fallback;
};
const SPAWNS = flag("--spawns", 1000);
/** A slow way stops after this long, with fewer spawns. */
const SECONDS = flag("--seconds", 5);
const ROUNDS = flag("--rounds", 3);
const BALLAST_MIB = flag("--ballast", 100);
const CONCURRENCY = [1, 2, 8];

// A worker is a large process, and forking costs in proportion to the memory mapped: touch it.
const ballast = new Uint8Array(BALLAST_MIB * 2 ** 20);
ballast.fill(1);

const SH = "/bin/sh";
const ENV = { PATH: "/usr/bin:/bin" };

/** Starts `sh -c <script>` in its own group, one way, and waits for it. */
type Start = (script: string) => Promise<void>;

interface Way {
  name: string;
  start: Start;
  /** Before each figure: a resident process of its own, so its CPU time is counted. */
  open?: () => Promise<void>;
  /** After each figure: that process stopped and reaped. */
  close?: () => Promise<void>;
  /** Measured although it fails the check: the floor, for comparison. */
  reference?: boolean;
}

async function command(program: string, args: string[], detached = false): Promise<void> {
  await new Deno.Command(program, {
    args,
    env: ENV,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached,
  }).spawn().status;
}

async function which(program: string): Promise<string | undefined> {
  for (const dir of ["/usr/bin", "/bin", "/usr/local/bin"]) {
    try {
      if ((await Deno.stat(`${dir}/${program}`)).isFile) return `${dir}/${program}`;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

const ways: Way[] = [
  {
    name: "no own group (floor): sh -c",
    start: (script) => command(SH, ["-c", script]),
    reference: true,
  },
  {
    name: "today: detached: true (fork + setsid)",
    start: (script) => command(SH, ["-c", script], true),
  },
];

const setsid = await which("setsid");
if (setsid) {
  ways.push({
    name: "setsid(1) sh -c, not detached",
    start: (script) => command(setsid, [SH, "-c", script]),
  });
}
const bash = await which("bash");
if (bash) {
  ways.push({
    name: "bash -c 'set -m; sh -c … & wait'",
    start: (script) => command(bash, ["-c", 'set -m; /bin/sh -c "$1" & wait $!', "bash", script]),
  });
}
ways.push({
  name: "sh -c 'set -m; sh -c … & wait' (dash)",
  start: (script) =>
    command(SH, ["-c", 'set -m 2>/dev/null; /bin/sh -c "$1" & wait $!', "sh", script]),
});
const perl = await which("perl");
if (perl) {
  ways.push({
    name: "perl -MPOSIX -e 'setsid; exec' per job",
    start: (script) =>
      command(perl, ["-MPOSIX", "-e", "POSIX::setsid(); exec @ARGV", SH, "-c", script]),
  });
  let launcher: Launcher | undefined;
  ways.push({
    name: "resident perl launcher (fork + setsid)",
    start: async (script) => {
      await (await launcher!.launch([SH, "-c", script], "/", ENV)).end;
    },
    open: async () => void (launcher = await Launcher.start()),
    close: async () => await launcher?.close(),
  });
}
const ffi = posixSpawnSetsid();
if (ffi) ways.push(ffi);

/** posix_spawn(POSIX_SPAWN_SETSID) through FFI: the fastest imaginable, needs --allow-ffi. */
function posixSpawnSetsid(): Way | undefined {
  let libc;
  try {
    libc = Deno.dlopen(
      "libc.so.6",
      {
        posix_spawn: {
          parameters: ["buffer", "buffer", "pointer", "buffer", "buffer", "buffer"],
          result: "i32",
        },
        posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
        posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
        waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32", nonblocking: true },
      } as const,
    );
  } catch {
    return undefined;
  }
  const POSIX_SPAWN_SETSID = 0x80; // glibc
  const attr = new Uint8Array(1024);
  libc.symbols.posix_spawnattr_init(attr);
  libc.symbols.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID);
  const cString = (text: string) => new TextEncoder().encode(text + "\0");
  const pointers = (strings: Uint8Array[]) => {
    const array = new BigUint64Array(strings.length + 1);
    strings.forEach((
      s,
      i,
    ) => (array[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s)))));
    return array;
  };
  const path = cString(SH);
  const envStrings = Object.entries(ENV).map(([k, v]) => cString(`${k}=${v}`));
  const envp = pointers(envStrings);
  return {
    name: "posix_spawn(POSIX_SPAWN_SETSID) via FFI",
    start: async (script) => {
      const argStrings = [cString(SH), cString("-c"), cString(script)];
      const argv = pointers(argStrings);
      const pid = new Int32Array(1);
      const rc = libc.symbols.posix_spawn(pid, path, null, attr, argv, envp);
      if (rc !== 0) throw new Error(`posix_spawn: ${rc}`);
      const status = new Int32Array(1);
      await libc.symbols.waitpid(pid[0]!, status, 0);
      void argStrings; // kept alive until the child has its copy
    },
  };
}

/** Whether a way puts the job's shell at the head of its own group and session. */
async function check(way: Way): Promise<string> {
  const file = await Deno.makeTempFile();
  try {
    await way.start(`read -r s < /proc/self/stat; echo "$s" > ${file}`);
    const stat = (await Deno.readTextFile(file)).trim();
    const pid = Number(stat.split(" ")[0]);
    // After the command's name: state, parent, group, session.
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    if (pgrp !== pid) return "NO: not its own group";
    return session === pid ? "own group + session" : "own group only";
  } catch (error) {
    return `NO: ${error instanceof Error ? error.message : error}`;
  } finally {
    await Deno.remove(file);
  }
}

/** CPU seconds of this process and of its children waited for (the machine is shared). */
async function cpuSeconds(): Promise<number> {
  const stat = await Deno.readTextFile("/proc/self/stat");
  // After the command's name, fields 12 to 15 are utime, stime, cutime and cstime, in ticks.
  const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ").slice(11, 15).map(Number);
  return ticks.reduce((a, b) => a + b, 0) / 100;
}

interface Figure {
  perSecond: number;
  cpuMsPerSpawn: number;
}

async function measure(way: Way, concurrency: number): Promise<Figure> {
  let left = SPAWNS;
  let done = 0;
  const cpu = await cpuSeconds();
  await way.open?.();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0 && performance.now() < deadline) {
        left--;
        await way.start("true");
        done++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await way.close?.();
  return { perSecond: done / seconds, cpuMsPerSpawn: (await cpuSeconds() - cpu) * 1000 / done };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

const rss = Deno.memoryUsage().rss / 2 ** 20;
console.log(
  `${SPAWNS} spawns of \`sh -c true\` per figure, median of ${ROUNDS}; this process: ` +
    `${
      rss.toFixed(0)
    } MiB RSS (${BALLAST_MIB} MiB touched); ${navigator.hardwareConcurrency} cores`,
);
const checks = new Map<Way, string>();
for (const way of ways) {
  await way.open?.();
  checks.set(way, await check(way));
  await way.close?.();
}
const results = new Map<string, Figure[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const concurrency of CONCURRENCY) {
    for (const way of ways) {
      if (checks.get(way)!.startsWith("NO") && !way.reference) continue;
      const key = `${way.name}|${concurrency}`;
      results.set(key, [...(results.get(key) ?? []), await measure(way, concurrency)]);
    }
  }
}
const header = [
  "way",
  "the job's shell",
  ...CONCURRENCY.map((c) => `${c} at once`),
  "CPU ms per spawn (1 at once)",
];
console.log(`| ${header.join(" | ")} |`);
console.log(`| ${header.map(() => "---").join(" | ")} |`);
for (const way of ways) {
  const figures = (c: number) => results.get(`${way.name}|${c}`);
  const cells = CONCURRENCY.map((c) => {
    const values = figures(c);
    return values ? `${median(values.map((f) => f.perSecond)).toFixed(0)}/s` : "-";
  });
  const cpu = figures(1);
  const cpuCell = cpu ? median(cpu.map((f) => f.cpuMsPerSpawn)).toFixed(2) : "-";
  console.log(`| ${way.name} | ${checks.get(way)} | ${cells.join(" | ")} | ${cpuCell} |`);
}
console.log("\nevery round (spawns/s, CPU ms per spawn):");
for (const [key, values] of results) {
  const text = values.map((f) => `${f.perSecond.toFixed(0)} (${f.cpuMsPerSpawn.toFixed(2)})`);
  console.log(`  ${key.padEnd(50)} ${text.join(", ")}`);
}
