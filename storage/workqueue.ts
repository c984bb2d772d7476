import type { Logger } from './logger.js';

export interface WorkqueueOptions {
  name: string;
  /** Keys processed at the same time; one key is never processed twice at once. */
  concurrency: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * client-go's workqueue semantics in small: a key added while waiting is queued once; a key added while
 * being processed is processed again afterwards; a failed key is retried with per-key exponential
 * backoff; a success resets it. start()/stop() own all timers.
 */
export class Workqueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  readonly stats = { processed: 0, failed: 0, retries: 0 };

  constructor(private readonly options: WorkqueueOptions, private readonly handler: (key: string) => Promise<void>,
    private readonly log: Logger) {}

  add(key: string): void {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
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

  get depth(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or in progress (tests, orderly shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running && this.active < this.options.concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
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
      this.addAfter(key, delay);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
