import type { LedgerEntry } from './lease-ledger.js';

/** The one operation of a LeaseLedger the batcher needs (a fake in unit tests). */
export interface Transactor {
  transact<T, R>(name: string, decide: (entries: Record<string, LedgerEntry<T>>, now: number) => Promise<{ write?: Record<string, LedgerEntry<T>>; result: R }>): Promise<R>;
}

/**
 * Decides a batch: every request in order, each against the entries as the earlier ones left them. Returns
 * the entries to write (none: nothing to write) and one result per request, in the requests' order. It may
 * run several times for one batch (a conflict re-reads the ledger) and must have no side effects.
 */
export type BatchDecide<T, Q, R> = (entries: Record<string, LedgerEntry<T>>, now: number, requests: readonly Q[]) =>
  Promise<{ write?: Record<string, LedgerEntry<T>>; results: R[] }>;

export interface BatcherOptions<Q, R> {
  /** The most requests decided in one transaction; later arrivals wait for the next. */
  maxBatch: number;
  /**
   * How long after it was submitted a request may still be decided. Past it, the request is answered
   * `shed(request)` and never recorded: it must be below the caller's own timeout (the webhook's), with room
   * for a compare-and-swap already in flight to land.
   */
  deadlineMs: number;
  /** The answer of a request that ran out of time waiting (a "retry" denial, never a failure). */
  shed: (request: Q) => R;
  /** Told the size of each batch written or decided, for metrics and tests. */
  onBatch?: (size: number) => void;
  now?: () => number;
  /** Calls `fn` after `ms` unless cancelled (a test's hand-driven clock; setTimeout otherwise). */
  timer?: (fn: () => void, ms: number) => () => void;
}

const realTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  // A pending deadline must not keep a stopping process alive.
  t.unref();
  return () => { clearTimeout(t); };
};

interface Pending<Q, R> {
  request: Q;
  deadline: number;
  answered: boolean;
  /**
   * Being decided, or part of a compare-and-swap in flight: its decision may land, so it cannot be answered
   * shed before the attempt ends (the next attempt sheds it if its deadline passed meanwhile).
   */
  inFlight: boolean;
  cancelTimer?: () => void;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Per-ledger queues of decisions, each queue decided in batches of one read and one compare-and-swap, as
 * kube-apiserver's quota admission batches a namespace's admissions into one status write. One decision per
 * round trip lets concurrent decisions on one ledger fight over its resourceVersion (each conflict a re-read);
 * here what arrives while a batch is in flight waits, and is decided with the others in the next one. The
 * compare-and-swap stays the arbiter across replicas: a batch that loses it is re-read and re-decided whole.
 * A request is answered within `deadlineMs` whatever the contention, and what is not decided by then holds nothing.
 */
export class LedgerBatcher<T, Q, R> {
  private readonly queues = new Map<string, { waiting: Array<Pending<Q, R>>; running: boolean }>();
  private readonly now: () => number;
  private readonly timer: (fn: () => void, ms: number) => () => void;

  constructor(private readonly ledger: Transactor, private readonly decide: BatchDecide<T, Q, R>, private readonly options: BatcherOptions<Q, R>) {
    this.now = options.now ?? Date.now;
    this.timer = options.timer ?? realTimer;
  }

  /** Queues `request` on ledger `name`; resolves with its result once its batch is written (or it is shed). */
  submit(name: string, request: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const pending: Pending<Q, R> = { request, deadline: this.now() + this.options.deadlineMs, answered: false, inFlight: false, resolve, reject };
      pending.cancelTimer = this.timer(() => { this.expire(name, pending); }, this.options.deadlineMs);
      let queue = this.queues.get(name);
      if (!queue) {
        queue = { waiting: [], running: false };
        this.queues.set(name, queue);
      }
      queue.waiting.push(pending);
      // Arrivals of the same turn of the event loop join this batch; while it is in flight, the next one fills.
      if (!queue.running) {
        queue.running = true;
        setImmediate(() => void this.drain(name));
      }
    });
  }

  /** Requests waiting or being decided on `name` (for tests and metrics). */
  depth(name: string): number {
    return this.queues.get(name)?.waiting.length ?? 0;
  }

  private answer(p: Pending<Q, R>, outcome: { result: R } | { error: unknown }): void {
    if (p.answered) return;
    p.answered = true;
    p.cancelTimer?.();
    if ('result' in outcome) p.resolve(outcome.result);
    else p.reject(outcome.error);
  }

  /** The deadline passed: shed the request unless a write that records it is in flight (then its outcome answers it). */
  private expire(name: string, p: Pending<Q, R>): void {
    if (p.answered || p.inFlight) return;
    const queue = this.queues.get(name);
    if (queue) queue.waiting = queue.waiting.filter((x) => x !== p);
    this.answer(p, { result: this.options.shed(p.request) });
  }

  /** Decides the queue's requests, a batch at a time, until none waits; runBatch answers every request it takes, never throws. */
  private async drain(name: string): Promise<void> {
    const queue = this.queues.get(name);
    if (!queue) return;
    while (queue.waiting.length > 0) await this.runBatch(name, queue.waiting.splice(0, this.options.maxBatch));
    this.queues.delete(name);
  }

  private async runBatch(name: string, batch: Array<Pending<Q, R>>): Promise<void> {
    let decided: Array<Pending<Q, R>> = [];
    try {
      const results = await this.ledger.transact<T, R[]>(name, async (entries, now) => {
        // A re-decide after a conflict: nothing of the lost write can land any more. Only those still waiting
        // for an answer are decided; one past its deadline is shed here, unrecorded.
        for (const p of batch) {
          p.inFlight = false;
          if (!p.answered && this.now() >= p.deadline) this.answer(p, { result: this.options.shed(p.request) });
        }
        decided = batch.filter((p) => !p.answered);
        if (decided.length === 0) return { result: [] };
        for (const p of decided) p.inFlight = true;
        const { write, results } = await this.decide(entries, now, decided.map((p) => p.request));
        return { write, result: results };
      });
      this.options.onBatch?.(decided.length);
      decided.forEach((p, i) => {
        p.inFlight = false;
        // A result may itself be undefined (a release answers nothing): only a missing one is an error.
        if (i >= results.length) this.answer(p, { error: new Error('the batch decision returned no result for a request') });
        else this.answer(p, { result: results[i] as R });
      });
    } catch (err) {
      for (const p of batch) {
        p.inFlight = false;
        this.answer(p, { error: err });
      }
    }
  }
}
