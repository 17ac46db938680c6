/**
 * The launcher: one small resident `perl` process per worker process that starts each job with
 * fork, setsid and exec, so that the worker's own large address space is never forked for a job
 * (Deno can only start a process in a new session by forking itself). It reports each job's pid
 * once the job runs and its exit code or signal once it ends, kills what the job left in its
 * group when it ends, and kills every job it started when its input closes (the worker is gone).
 * @module
 */

/**
 * The launcher's program. Requests come on standard input as `<length>\n<payload>`, the payload
 * being NUL-separated fields: request id, working directory, number of environment entries, those
 * entries as name and value, then the argument vector. Replies are lines on standard output:
 * `ready <pid>`, then per request `pid <id> <pid>` or `fail <id> <step> <errno name> <message>`,
 * and later `exit <id> <code>` or `signal <id> SIG<NAME>`.
 *
 * The child reports a failed `chdir` or `exec` on a close-on-exec pipe, read in the main loop
 * (starts do not wait for each other), so the pid is only sent once the job runs in its own
 * session: there is no window where its group does not exist yet. The launcher leaves the
 * worker's process group and ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT, so that only its input
 * closing (the worker gone) ends it; each child puts back the default for those and SIGPIPE before
 * exec (which resets the caught SIGCHLD). Jobs get the launcher's umask and environment, both the
 * worker's, plus the request's entries.
 */
const PROGRAM = String.raw`
use strict;
use POSIX ();
use Config;
$0 = 'queuectl-launcher (worker ' . getppid() . ')';
my @signame = split ' ', $Config{sig_name};
for my $k (keys %ENV) { $ENV{$1} = delete $ENV{$k} if $k =~ /\AQUEUECTL_SAVED_(\w+)\z/ }
binmode STDIN; binmode STDOUT;
setpgrp(0, 0);
$SIG{PIPE} = 'IGNORE';
pipe(my $wake_r, my $wake_w) or die "pipe: $!";
fcntl($wake_w, POSIX::F_SETFL(), POSIX::O_NONBLOCK());
$SIG{CHLD} = sub { syswrite $wake_w, "x" };
# Only its worker ends it (its input closes): a signal meant for the worker's group, a terminal's
# or a service manager's, must not kill the jobs it runs without their own grace.
$SIG{$_} = 'IGNORE' for qw(TERM HUP INT QUIT);
# Every child: pid => request id; children not known to run yet: pid => exec-status pipe.
my (%job, %starting);
my $in = '';
sub reply {
  my $line = "$_[0]\n";
  while (length $line) {
    my $n = syswrite STDOUT, $line;
    if (!defined $n) { next if $!{EINTR}; gone() }
    substr($line, 0, $n) = '';
  }
}
# The worker is gone: so are its jobs, even one not in its own session yet.
sub gone { kill 'KILL', map { (-$_, $_) } keys %job; exit 0 }
sub errname { my ($e) = grep { $!{$_} } keys %!; $e // 'E' . ($! + 0) }
sub launch {
  my ($id, $cwd, $nenv, @argv) = @_;
  my @env = splice @argv, 0, 2 * $nenv;
  pipe(my $sr, my $sw) or return reply("fail $id pipe " . errname() . " $!");
  my $pid = fork;
  return reply("fail $id fork " . errname() . " $!") unless defined $pid;
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT';
    $SIG{$_} = 'DEFAULT' for qw(TERM HUP INT QUIT);
    POSIX::setsid();
    open STDIN, '<', '/dev/null'; open STDOUT, '>', '/dev/null'; open STDERR, '>', '/dev/null';
    if (!chdir $cwd) { syswrite $sw, "chdir " . errname() . " $!"; POSIX::_exit(127) }
    while (@env) { my $k = shift @env; $ENV{$k} = shift @env }
    { exec { $argv[0] } @argv }
    syswrite $sw, "exec " . errname() . " $!"; POSIX::_exit(127);
  }
  close $sw;
  $job{$pid} = $id;
  $starting{$pid} = $sr;
}
# What a child said on its exec-status pipe: nothing (EOF) once it runs the job, or why it could
# not. Called when the pipe is readable or the child is gone, so it does not block for long.
sub started {
  my ($pid, $reaped) = @_;
  my $sr = delete $starting{$pid};
  my ($said, $n) = ('');
  do { $n = sysread $sr, $said, 512 } while !defined $n && $!{EINTR};
  close $sr;
  my $id = $job{$pid};
  if ($said eq '') { reply("pid $id $pid"); return }
  delete $job{$pid};
  waitpid $pid, 0 unless $reaped;
  reply("fail $id $said");
}
reply("ready $$");
for (;;) {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = $?;
    started($pid, 1) if $starting{$pid};
    my $id = delete $job{$pid};
    next unless defined $id;
    kill 'KILL', -$pid;
    reply(($status & 127) ? "signal $id SIG$signame[$status & 127]" : "exit $id " . ($status >> 8));
  }
  my $rin = '';
  vec($rin, fileno($_), 1) = 1 for \*STDIN, $wake_r, values %starting;
  # Perl runs a signal's handler between ops: a SIGCHLD that lands just before select() is only
  # handled after it returns. While children run, select() returns every so often to reap them.
  next if select(my $rout = $rin, undef, undef, %job ? 0.2 : undef) < 0;
  sysread $wake_r, my $drained, 4096 if vec($rout, fileno($wake_r), 1);
  for my $pid (keys %starting) { started($pid, 0) if vec($rout, fileno($starting{$pid}), 1) }
  next unless vec($rout, fileno(STDIN), 1);
  my $got = sysread STDIN, $in, 65536, length $in;
  next if !defined $got && $!{EINTR};
  gone() unless $got;
  while ($in =~ /\A(\d+)\n/ && length($in) >= length($1) + 1 + $1) {
    my $head = length($1) + 1;
    my $record = substr $in, $head, $1;
    substr($in, 0, $head + length $record) = '';
    launch(split /\0/, $record, -1);
  }
}
`;

/**
 * Starts perl with the variables that change how perl itself starts (`PERL5OPT`, `PERLIO`, …)
 * moved aside, so that a user's perl settings cannot break the launcher; the launcher puts them
 * back before it starts any job. The perl given as `$2`, else `/usr/bin/perl` (stock on Debian
 * and macOS), else `perl` on the worker's `PATH`.
 */
const BOOT = "for v in PERL5OPT PERL5LIB PERLLIB PERLIO PERLIO_DEBUG PERL_UNICODE PERL5DB " +
  'PERL_SIGNALS PERL_HASH_SEED_DEBUG; do eval "if [ -n \\"\\${$v+set}\\" ]; then ' +
  'QUEUECTL_SAVED_$v=\\$$v; export QUEUECTL_SAVED_$v; unset $v; fi"; done; ' +
  'if [ -n "$2" ]; then exec "$2" -e "$1"; fi; ' +
  'if [ -x /usr/bin/perl ]; then exec /usr/bin/perl -e "$1"; fi; exec perl -e "$1"';

/** How long a new launcher may take to say it is ready. */
const READY_TIMEOUT_MS = 10_000;

/** How a job started by a launcher ended. */
export type LaunchedEnd =
  | { code: number; signal: null; lost?: undefined }
  | { code: null; signal: Deno.Signal; lost?: undefined }
  /** The launcher died first: how the job ended cannot be known. */
  | { code: null; signal: null; lost: string };

/** A job the launcher started, in its own session (its pid is its group's and session's id). */
export interface LaunchedJob {
  pid: number;
  end: Promise<LaunchedEnd>;
}

/** The launcher is not running (it never started, died, or was closed). */
export class LauncherGoneError extends Error {
  /**
   * @param message Why it is gone.
   * @param mayHaveStarted The launcher died while starting a job: the job may be running.
   */
  constructor(message: string, readonly mayHaveStarted = false) {
    super(message);
  }
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** One resident launcher process; many jobs may be launched and run through it at once. */
export class Launcher {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #encoder = new TextEncoder();
  #nextId = 1;
  #starting = new Map<number, Waiter<number>>();
  #running = new Map<number, (end: LaunchedEnd) => void>();
  #gone: string | undefined;
  #ready: Waiter<number> | undefined;
  #closed: Promise<void>;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    // Idle, the launcher must not keep the worker's process alive; it is referenced only while
    // a request or a job is in flight.
    child.unref();
    this.#closed = this.#read().then(async () => {
      const status = await child.status;
      this.#die(
        status.signal
          ? `the launcher was killed by ${status.signal}`
          : `the launcher exited with code ${status.code}`,
      );
    });
  }

  /**
   * Starts a launcher and waits until it is ready. Requires `--allow-run`.
   * @param perl The perl to run it with; by default `/usr/bin/perl`, else `perl` on `PATH`.
   * @returns The launcher.
   * @throws {LauncherGoneError} when perl is missing or the launcher does not start.
   */
  static async start(perl = ""): Promise<Launcher> {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("/bin/sh", {
        args: ["-c", BOOT, "queuectl-launcher", PROGRAM, perl],
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
    } catch (error) {
      throw new LauncherGoneError(`cannot start the launcher: ${messageOf(error)}`);
    }
    const launcher = new Launcher(child);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      child.ref();
      await new Promise<number>((resolve, reject) => {
        launcher.#ready = { resolve, reject };
        timer = setTimeout(() => {
          reject(new LauncherGoneError("the launcher did not start in time"));
        }, READY_TIMEOUT_MS);
      });
      return launcher;
    } catch (error) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Gone already.
      }
      await launcher.#closed;
      throw error;
    } finally {
      clearTimeout(timer);
      launcher.#ready = undefined;
      launcher.#reference();
    }
  }

  /** The launcher's pid. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Why the launcher is gone, or `undefined` while it runs. */
  get gone(): string | undefined {
    return this.#gone;
  }

  /**
   * Starts `argv` in a new session, in `cwd`, with the launcher's environment (the worker's)
   * plus `env`, stdin from `/dev/null`, stdout and stderr to `/dev/null`.
   * @param argv The program (absolute path) and its arguments; no NUL bytes in any string.
   * @param cwd The working directory.
   * @param env Variables set on top of the worker's.
   * @returns The job, once it runs.
   * @throws {Deno.errors.NotFound} when `cwd` or the program does not exist (or is no directory).
   * @throws {Deno.errors.PermissionDenied} when either cannot be used.
   * @throws {LauncherGoneError} when the launcher is gone or dies before the job starts; whether
   *   the job started is then unknown.
   */
  async launch(argv: string[], cwd: string, env: Record<string, string>): Promise<LaunchedJob> {
    if (this.#gone !== undefined) throw new LauncherGoneError(this.#gone);
    const id = this.#nextId++;
    const fields = [String(id), cwd, String(Object.keys(env).length)];
    for (const [name, value] of Object.entries(env)) fields.push(name, value);
    fields.push(...argv);
    if (fields.some((field) => field.includes("\0"))) {
      throw new TypeError("An argument or environment entry contains a NUL byte");
    }
    const payload = this.#encoder.encode(fields.join("\0"));
    const header = this.#encoder.encode(`${payload.length}\n`);
    const record = new Uint8Array(header.length + payload.length);
    record.set(header);
    record.set(payload, header.length);
    // The end is listened for before the request leaves: its line may come right after the pid's.
    let settleEnd!: (end: LaunchedEnd) => void;
    const end = new Promise<LaunchedEnd>((resolve) => (settleEnd = resolve));
    const started = new Promise<number>((resolve, reject) => {
      this.#starting.set(id, { resolve, reject });
    });
    this.#running.set(id, settleEnd);
    this.#reference();
    try {
      await this.#writer.write(record);
    } catch (error) {
      // The request did not get through (the launcher died meanwhile): nothing was started.
      this.#starting.delete(id);
      this.#running.delete(id);
      const reason = `cannot write to the launcher: ${messageOf(error)}`;
      this.#die(reason);
      throw new LauncherGoneError(reason);
    }
    try {
      return { pid: await started, end };
    } catch (error) {
      this.#running.delete(id);
      this.#reference();
      throw error;
    }
  }

  /**
   * Stops the launcher: its input closes, it kills whatever it still runs and exits.
   */
  async close(): Promise<void> {
    // Its exit is waited for: that wait must keep this process alive.
    if (this.#gone === undefined) this.#child.ref();
    await this.#writer.close().catch(() => {});
    await this.#closed;
  }

  /** Keeps this process alive while anything is in flight, and only then. */
  #reference(): void {
    if (this.#gone !== undefined) return;
    if (this.#starting.size > 0 || this.#running.size > 0 || this.#ready) this.#child.ref();
    else this.#child.unref();
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of this.#child.stdout) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          this.#onLine(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
        }
      }
    } catch {
      // Read failures end the launcher like its exit.
    }
  }

  #onLine(line: string): void {
    const [kind, first, second, ...rest] = line.split(" ");
    const id = Number(first);
    switch (kind) {
      case "ready":
        this.#ready?.resolve(id);
        return;
      case "pid": {
        const waiter = this.#starting.get(id);
        this.#starting.delete(id);
        waiter?.resolve(Number(second));
        return;
      }
      case "fail": {
        const waiter = this.#starting.get(id);
        this.#starting.delete(id);
        this.#running.delete(id);
        waiter?.reject(launchError(second ?? "", rest[0] ?? "", rest.slice(1).join(" ")));
        this.#reference();
        return;
      }
      case "exit":
      case "signal": {
        const settle = this.#running.get(id);
        this.#running.delete(id);
        settle?.(
          kind === "exit"
            ? { code: Number(second), signal: null }
            : { code: null, signal: second as Deno.Signal },
        );
        this.#reference();
        return;
      }
    }
  }

  /** The launcher is gone: nothing in flight can be known any more. */
  #die(reason: string): void {
    if (this.#gone !== undefined) return;
    this.#gone = reason;
    this.#ready?.reject(new LauncherGoneError(reason));
    for (const waiter of this.#starting.values()) {
      waiter.reject(new LauncherGoneError(reason, true));
    }
    for (const settle of this.#running.values()) settle({ code: null, signal: null, lost: reason });
    this.#starting.clear();
    this.#running.clear();
    this.#child.unref();
  }
}

/** The error a failed `chdir` or `exec` stands for, as Deno's own spawn would throw it. */
function launchError(step: string, errno: string, message: string): Error {
  const text = `${step}: ${message}`;
  if (errno === "ENOENT" || errno === "ENOTDIR") return new Deno.errors.NotFound(text);
  if (errno === "EACCES" || errno === "EPERM") return new Deno.errors.PermissionDenied(text);
  return new Error(text);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
