import { Worker } from 'node:worker_threads';
import type { MatchReply, MatchRequest } from './thread.js';
import { GoRegexpError, GoRegexpValueTooLongError, MAX_PATTERN_LENGTH, MAX_VALUE_LENGTH } from './go-regexp.js';

/** regexp.MatchString without holding the caller's event loop. */
export type MatchGoRegexp = (pattern: string, value: string) => Promise<boolean>;

/**
 * A match that could not be decided: past the deadline, or the thread failed (out of memory, say). Go would
 * have answered eventually; we answer that we could not, rather than stall.
 */
export class GoRegexpUndecidedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoRegexpUndecidedError';
  }
}

export interface GoRegexpWorkerOptions {
  /** How long one match (compile included) may run on the thread before it is stopped. */
  deadlineMs?: number;
  /** Matches waiting for the thread beyond this many are refused (the caller retries later). */
  maxQueued?: number;
  /** The thread's heap, in MiB: a pattern that needs more fails alone instead of bloating the process. */
  maxHeapMb?: number;
}

/** The thread says it has loaded and listens; deadlines count from then, not from a slow start. */
const READY = 'ready';

interface Job extends MatchRequest {
  resolve: (matched: boolean) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

const THREAD_URL = new URL('./thread.js', import.meta.url);

/**
 * Runs Go regexp matches (go-regexp.ts) one at a time on a worker thread, each under a deadline. Linear-time
 * matching bounds the work by the program size times the value length, but that product, or compiling a
 * large pattern, can still take seconds; on the event loop that would stall every request the process
 * serves. Here the event loop only posts the strings.
 *
 * The thread starts on the first match (never in the constructor), keeps the process alive only while a
 * match is in flight, and is replaced after a deadline or a failure. `close()` stops it and refuses what is still waiting.
 */
export class GoRegexpWorker {
  private readonly deadlineMs: number;
  private readonly maxQueued: number;
  private readonly maxHeapMb: number;
  private worker: Worker | undefined;
  private ready = false;
  private current: Job | undefined;
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: GoRegexpWorkerOptions = {}) {
    this.deadlineMs = options.deadlineMs ?? 5_000;
    this.maxQueued = options.maxQueued ?? 64;
    this.maxHeapMb = options.maxHeapMb ?? 128;
  }

  /**
   * regexp.MatchString(pattern, value). Rejects with GoRegexpError (invalid pattern, Go's message),
   * GoRegexpValueTooLongError, GoRegexpUndecidedError (deadline, thread failure), or a plain Error when
   * closed or too busy (nothing was decided: try again later).
   */
  readonly match: MatchGoRegexp = (pattern, value) => new Promise<boolean>((resolve, reject) => {
    if (this.closed) {
      reject(new Error('the regexp matcher is stopped'));
      return;
    }
    // Refused here as the thread would refuse them, without copying a long string there first.
    if (value.length > MAX_VALUE_LENGTH) {
      reject(new GoRegexpValueTooLongError(value.length));
      return;
    }
    if (pattern.length > MAX_PATTERN_LENGTH) {
      reject(new GoRegexpError('expression too large', pattern));
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      reject(new Error(`the regexp matcher has ${this.queue.length} matches waiting already`));
      return;
    }
    this.queue.push({ id: this.nextId++, pattern, value, resolve, reject });
    this.pump();
  });

  /** Stops the thread; what is running or waiting is refused. */
  close(): void {
    this.closed = true;
    const stopped = new Error('the regexp matcher is stopped');
    if (this.current) this.finish(this.current, stopped, true);
    for (const job of this.queue.splice(0)) job.reject(stopped);
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.current = job;
    const worker = this.thread();
    // A match in flight keeps the process alive, as a request in flight does; an idle thread does not.
    worker.ref();
    if (this.ready) this.startDeadline(job);
    const request: MatchRequest = { id: job.id, pattern: job.pattern, value: job.value };
    worker.postMessage(request);
  }

  private startDeadline(job: Job): void {
    job.timer = setTimeout(() => this.finish(job, new GoRegexpUndecidedError(`matching did not finish within ${this.deadlineMs / 1000}s`), true), this.deadlineMs);
    job.timer.unref();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    // The thread only matches strings: none of the process's flags concern it, and some (--input-type,
    // --inspect) would stop it from starting.
    const worker = new Worker(THREAD_URL, { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb, maxYoungGenerationSizeMb: 16 } });
    worker.unref();
    this.ready = false;
    worker.on('message', (reply: MatchReply | typeof READY) => {
      if (reply === READY) {
        if (this.worker !== worker) return;
        this.ready = true;
        if (this.current && !this.current.timer) this.startDeadline(this.current);
        return;
      }
      const job = this.current;
      if (!job || job.id !== reply.id) return;
      if ('matched' in reply) this.finish(job, reply.matched, false);
      else if ('code' in reply) this.finish(job, new GoRegexpError(reply.code, reply.expr), false);
      else if ('tooLong' in reply) this.finish(job, new GoRegexpValueTooLongError(reply.tooLong), false);
      else this.finish(job, new GoRegexpUndecidedError(`matching failed: ${reply.failure}`), false);
    });
    // An uncaught error (out of memory) ends the thread: the match it was running fails, the next starts anew.
    worker.on('error', (err) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.current) this.finish(this.current, new GoRegexpUndecidedError(`matching failed: ${err.message}`), false);
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (this.current) this.finish(this.current, new GoRegexpUndecidedError('matching failed: the matching thread exited'), false);
    });
    this.worker = worker;
    return worker;
  }

  /** Settles a job; `stop` ends the thread (a match still running there cannot be interrupted otherwise). */
  private finish(job: Job, outcome: boolean | Error, stop: boolean): void {
    if (this.current !== job) return;
    clearTimeout(job.timer);
    this.current = undefined;
    this.worker?.unref();
    if (stop && this.worker) {
      const worker = this.worker;
      this.worker = undefined;
      void worker.terminate();
    }
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
    this.pump();
  }
}
