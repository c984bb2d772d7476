import type { Logger } from './logger.js';

export interface WorkqueueOptions {
  name: string;
  /** Keys processed at the same time; one key is never processed twice at once. */
  concurrency: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Where the queue reports what it does (client-go's workqueue metrics); none by default. */
  metrics?: WorkqueueMetricsProvider;
}

/**
 * client-go's workqueue.MetricsProvider, in small: storage defines what a queue reports, apiserver
 * implements it over prom-client (apiserver/endpoints/workqueue-metrics.ts). Calls must not block.
 */
export interface WorkqueueMetricsProvider {
  /** Called once per queue, when it is constructed; `state` is read when the metrics are collected. */
  forQueue(name: string, state: WorkqueueState): WorkqueueMetrics;
}

/** What a queue's gauges read when scraped. */
export interface WorkqueueState {
  /** Keys waiting to be processed: queued, or added again while being processed (client-go's depth). */
  readonly depth: number;
  /** When each key being processed started, in performance.now() milliseconds. */
  processingSince(): Iterable<number>;
}

/** The events of one queue, as client-go counts them. */
export interface WorkqueueMetrics {
  /** A key that was not waiting was added (a repeat of a waiting key is not counted). */
  added(): void;
  /** A key was taken for processing after waiting `seconds` since it was added. */
  started(seconds: number): void;
  /** The handler for a key returned (or threw) after `seconds`. */
  finished(seconds: number): void;
  /** A failed key was scheduled to be added again after its backoff. */
  retried(): void;
}

const noMetrics: WorkqueueMetrics = { added() {}, started() {}, finished() {}, retried() {} };

/**
 * client-go's workqueue semantics in small: a key added while waiting is queued once; a key added while
 * being processed is processed again afterwards; a failed key is retried with per-key exponential
 * backoff; a success resets it. start()/stop() own all timers.
 */
export class Workqueue implements WorkqueueState {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  /** performance.now() when each waiting key was added, and when each key in progress started. */
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly metrics: WorkqueueMetrics;
  readonly stats = { processed: 0, failed: 0, retries: 0 };

  constructor(private readonly options: WorkqueueOptions, private readonly handler: (key: string) => Promise<void>,
    private readonly log: Logger) {
    this.metrics = options.metrics?.forQueue(options.name, this) ?? noMetrics;
  }

  add(key: string): void {
    if (this.processing.has(key)) {
      if (this.dirty.has(key)) return;
      this.dirty.add(key);
      this.noteAdded(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.noteAdded(key);
    this.pump();
  }

  private noteAdded(key: string): void {
    this.metrics.added();
    if (!this.addedAt.has(key)) this.addedAt.set(key, performance.now());
  }

  /** Adds the key once the delay has passed (a controller waiting for time, not for an event). */
  addAfter(key: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.running) this.add(key);
    }, delayMs);
    this.timers.add(timer);
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Keys waiting: queued, or added again while being processed. */
  get depth(): number {
    return this.queue.length + this.dirty.size;
  }

  processingSince(): Iterable<number> {
    return this.startedAt.values();
  }

  /** Resolves when nothing is queued or in progress (tests, orderly shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running && this.active < this.options.concurrency && this.queue.length > 0) {
      const key = this.queue.shift();
      if (key === undefined) break;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      const now = performance.now();
      this.metrics.started((now - (this.addedAt.get(key) ?? now)) / 1000);
      this.addedAt.delete(key);
      this.startedAt.set(key, now);
      void this.process(key);
    }
    if (this.queue.length === 0 && this.active === 0) for (const r of this.idleWaiters.splice(0)) r();
  }

  private async process(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.failures.delete(key);
      this.stats.processed++;
    } catch (err) {
      const attempts = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempts);
      this.stats.failed++;
      const delay = Math.min((this.options.baseDelayMs ?? 100) * 2 ** (attempts - 1), this.options.maxDelayMs ?? 60_000);
      this.log.error('reconcile failed; retrying', err, { queue: this.options.name, key, attempts, retryInMs: delay });
      this.stats.retries++;
      this.metrics.retried();
      this.addAfter(key, delay);
    } finally {
      this.metrics.finished((performance.now() - (this.startedAt.get(key) ?? performance.now())) / 1000);
      this.startedAt.delete(key);
      this.processing.delete(key);
      this.active--;
      // Added again while processed: it waits now (already counted as an add when it was added).
      if (this.dirty.delete(key)) {
        this.queued.add(key);
        this.queue.push(key);
      }
      this.pump();
    }
  }
}
