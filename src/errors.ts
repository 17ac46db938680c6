/**
 * The error hierarchy of queuectl. Every error a user can cause or meet is one of these; `main.ts`
 * catches them once and prints a single line, exiting with the error's code.
 * @module
 */

/** Base of every expected queuectl error; exit code 1 (operational failure). */
export class QueueError extends Error {
  /** Process exit code for this error. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input or usage: exit code 2. Nothing was written. */
export class ValidationError extends QueueError {
  override readonly exitCode: number = 2;
}

/** A job id that does not exist: exit code 3. */
export class NotFoundError extends QueueError {
  override readonly exitCode: number = 3;
}

/** The journal cannot be trusted as it is; `queuectl doctor --repair` may help. Exit code 1. */
export class CorruptJournalError extends QueueError {
  /** 1-based line number of the first bad record, when known. */
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(message);
    this.line = line;
  }
}

/**
 * A failure after which this process must not go on writing, such as a failed fsync: the kernel
 * may have dropped the dirty pages, so retrying could report durability that does not exist.
 */
export class FatalStorageError extends QueueError {}

/**
 * The store cannot be reached now (a database down or unreachable, after retrying a while). Worth
 * trying again later: a worker keeps its settles and waits. Exit code 1.
 */
export class StoreUnavailableError extends QueueError {}

/** `wait` ran out of time: exit code 124, like timeout(1). */
export class WaitTimeoutError extends QueueError {
  override readonly exitCode: number = 124;
}

/**
 * The queue home, or an entry in it, is not safe to use: another user could write it, it belongs
 * to someone else, it is a symbolic link where queuectl never follows one, or it is not the kind
 * of file it should be. The message says how to fix it. Exit code 1.
 */
export class UntrustedHomeError extends QueueError {}
