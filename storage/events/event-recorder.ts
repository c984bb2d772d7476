import { LRUCache } from 'lru-cache';
import type { KubeClient } from '../client.js';
import { KubeApiError } from '../kube-api-error.js';
import type { Logger } from '../logger.js';
import { TokenBucket } from './token-bucket.js';

/** core/v1 ObjectReference: the object an Event is about (its `regarding`). */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export type EventType = 'Normal' | 'Warning';

/** One occurrence, as a controller reports it (structurally the registry's EventSink argument). */
export interface EventRecord {
  regarding: ObjectReference;
  type: EventType;
  /** UpperCamelCase, machine-readable: why it happened (`DeployFailed`). */
  reason: string;
  /** What was being done (`Deploying`). */
  action: string;
  /** For humans; cut to the API's 1 KiB. */
  note: string;
}

/** The controller name every Event carries (a qualified name, as kube-apiserver validates it). */
const REPORTING_CONTROLLER = 'kiosk.sh/kiosk';

export interface EventRecorderOptions {
  reportingController?: string;
  /** This replica's identity (the leader-election identity), cut to the API's 128 characters. */
  reportingInstance: string;
  /** Repeats within this time of the last occurrence update the same Event's series. */
  seriesWindowMs?: number;
  /** Distinct (object, reason, note, type) remembered for aggregation; the least recently seen go first. */
  cacheSize?: number;
  /** Events waiting to be written; beyond it new ones are dropped (and counted). */
  maxQueued?: number;
  /** Writes per second to kube-apiserver, sustained, and the burst allowed above it. */
  qps?: number;
  burst?: number;
  /** Per-request timeout: a slow kube-apiserver must not hold the queue for the client's default 30s. */
  timeoutMs?: number;
  now?: () => number;
}

/*
 * The limits, and why:
 * - seriesWindowMs 10 minutes: like client-go's recorder, an isomorphic repeat becomes series.count on the
 *   existing Event (one PATCH) instead of a new Event; a controller retrying a failure with backoff makes
 *   one Event, not hundreds.
 * - cacheSize 4096: the aggregation memory is bounded; an evicted key merely starts a new Event.
 * - maxQueued 1000 and one write at a time: recording never waits and never grows memory without bound; a
 *   key already waiting is not queued twice (its write carries the latest count), so a storm of repeats
 *   costs one queue slot per distinct Event.
 * - qps 5, burst 25: however many objects fail at once, this replica adds at most ~5 Event writes per
 *   second to kube-apiserver's load (25 is also the burst client-go's spam filter allows one object); what
 *   does not fit in the queue is dropped, logged once per episode and counted in stats.dropped
 *   (kiosk_events_total{result="dropped"}).
 */
const DEFAULTS = { seriesWindowMs: 10 * 60_000, cacheSize: 4096, maxQueued: 1000, qps: 5, burst: 25, timeoutMs: 10_000 };

/** kube-apiserver's limits on Event fields (k8s.io/kubernetes pkg/apis/core/validation/events.go). */
const NOTE_LIMIT_BYTES = 1024;
const REPORTING_INSTANCE_LIMIT = 128;
const NAME_LIMIT = 253;

/** A metav1.MicroTime: RFC 3339 with six fractional digits. */
export const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/**
 * kube's Event name, `<object-name>.<hex nanoseconds>`; the object part is cut so the whole stays a valid
 * object name (253 characters, ending in an alphanumeric).
 */
export function eventName(objectName: string, unixNanos: bigint): string {
  const suffix = `.${unixNanos.toString(16)}`;
  const head = objectName.slice(0, NAME_LIMIT - suffix.length).replace(/[^a-z0-9]+$/, '');
  return `${head || 'event'}${suffix}`;
}

/**
 * Where an Event about the object lives: a namespaced object's namespace; a Namespace's own namespace, so
 * the tenants of a space see it with `kubectl get events -n <space>`; any other cluster-scoped object's
 * Events go to `default`, as kube's recorders put them. (kube-apiserver accepts an Event outside
 * `default`/`kube-system` only when regarding.namespace is set, so a Namespace's reference names itself.)
 */
export function eventPlacement(regarding: ObjectReference): { namespace: string; regarding: ObjectReference } {
  if (regarding.namespace) return { namespace: regarding.namespace, regarding };
  if (regarding.apiVersion === 'v1' && regarding.kind === 'Namespace') {
    return { namespace: regarding.name, regarding: { ...regarding, namespace: regarding.name } };
  }
  return { namespace: 'default', regarding };
}

/** The note cut to kube-apiserver's limit (bytes, on a character boundary). */
export function truncateNote(note: string): string {
  if (Buffer.byteLength(note) <= NOTE_LIMIT_BYTES) return note;
  let out = '';
  let bytes = 0;
  for (const ch of note) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > NOTE_LIMIT_BYTES - 3) break;
    out += ch;
    bytes += size;
  }
  return `${out}...`;
}

/** kube-apiserver's answer for a write into a namespace that is terminating (403, cause NamespaceTerminating) or gone. */
function namespaceGoing(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  if (err.statusCode === 404) return true;
  const causes = (err.status?.details as { causes?: Array<{ reason?: string }> } | undefined)?.causes ?? [];
  return err.statusCode === 403 && causes.some((c) => c.reason === 'NamespaceTerminating');
}

/** One Event as this replica knows it: how often it was observed, and how much of that is written. */
interface TrackedEvent {
  namespace: string;
  name: string;
  record: EventRecord;
  firstObserved: number;
  lastObserved: number;
  count: number;
  /** The count kube-apiserver has; 0 until the Event is created. */
  written: number;
  queued: boolean;
}

type EventClient = Pick<KubeClient, 'request'>;

/**
 * Records events.k8s.io/v1 Events for controllers, as client-go's EventRecorder does: isomorphic repeats
 * (same object, reason, note and type) within the series window become series.count on one Event, and
 * writes are queued, de-duplicated, rate-limited and best-effort. record() never throws and never waits;
 * a failed write is logged and counted in stats, never retried on its own (the next occurrence retries).
 * start()/stop() own the only timer.
 */
export class EventRecorder {
  private readonly options: Required<Omit<EventRecorderOptions, 'now'>>;
  private readonly now: () => number;
  private readonly cache: LRUCache<string, TrackedEvent>;
  private readonly limiter: TokenBucket;
  private readonly queue: TrackedEvent[] = [];
  private running = false;
  private writing = false;
  private dropping = false;
  private timer: NodeJS.Timeout | undefined;
  private lastNanos = 0n;
  private idleWaiters: Array<() => void> = [];
  readonly stats = { recorded: 0, created: 0, patched: 0, dropped: 0, failed: 0 };

  constructor(private readonly client: EventClient, options: EventRecorderOptions, private readonly log: Logger) {
    const { now, ...given } = options;
    const set = Object.fromEntries(Object.entries<unknown>(given).filter(([, v]) => v !== undefined)) as Partial<EventRecorderOptions>;
    this.options = {
      ...DEFAULTS, reportingController: REPORTING_CONTROLLER, ...set,
      reportingInstance: options.reportingInstance.slice(0, REPORTING_INSTANCE_LIMIT),
    };
    this.now = now ?? Date.now;
    this.cache = new LRUCache({ max: this.options.cacheSize });
    this.limiter = new TokenBucket(this.options.qps, this.options.burst, this.now);
  }

  /** Records one occurrence. Never throws, never waits: the write happens later, or is dropped under load. */
  record(event: EventRecord): void {
    try {
      this.stats.recorded++;
      const now = this.now();
      const placed = eventPlacement(event.regarding);
      const record = { ...event, regarding: placed.regarding, note: truncateNote(event.note) };
      // resourceVersion is left out: the object changes (its status, often because of this very failure)
      // between repeats, and they are still the same Event.
      const r = record.regarding;
      const key = JSON.stringify([r.apiVersion, r.kind, placed.namespace, r.name, r.uid ?? '', record.reason, record.type, record.note]);
      let tracked = this.cache.get(key);
      if (tracked && now - tracked.lastObserved <= this.options.seriesWindowMs) {
        tracked.count++;
        tracked.lastObserved = now;
      } else {
        tracked = {
          namespace: placed.namespace, name: eventName(r.name, this.nanos(now)), record,
          firstObserved: now, lastObserved: now, count: 1, written: 0, queued: false,
        };
        this.cache.set(key, tracked);
      }
      this.enqueue(tracked);
    } catch (err) {
      this.stats.failed++;
      // Never throws holds for bad input too (a test passes undefined): the catch must not read through it.
      this.log.error('recording an event failed', err, { reason: (event as EventRecord | undefined)?.reason });
    }
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops writing; what is queued stays queued (and is written after another start()). */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when nothing is queued or being written (tests, orderly shutdown). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get depth(): number {
    return this.queue.length;
  }

  /** Unix nanoseconds for a name, strictly increasing so two Events of one object never collide. */
  private nanos(nowMs: number): bigint {
    const nanos = BigInt(nowMs) * 1_000_000n;
    this.lastNanos = nanos > this.lastNanos ? nanos : this.lastNanos + 1n;
    return this.lastNanos;
  }

  private enqueue(tracked: TrackedEvent): void {
    // Already waiting: its write will carry the latest count.
    if (tracked.queued) return;
    if (this.queue.length >= this.options.maxQueued) {
      this.stats.dropped++;
      if (!this.dropping) {
        this.dropping = true;
        this.log.info('event queue full; dropping events until it drains', { maxQueued: this.options.maxQueued });
      }
      return;
    }
    tracked.queued = true;
    this.queue.push(tracked);
    this.pump();
  }

  private pump(): void {
    if (!this.running || this.writing || this.timer) return;
    // Entries whose count is already written (a write that raced a repeat) need no request and no token.
    for (let head = this.queue[0]; head && head.count === head.written; head = this.queue[0]) {
      this.queue.shift();
      head.queued = false;
    }
    const next = this.queue[0];
    if (!next) {
      this.dropping = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    const wait = this.limiter.delayMs();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      this.timer.unref();
      return;
    }
    this.limiter.take();
    this.queue.shift();
    next.queued = false;
    this.writing = true;
    void this.write(next).finally(() => {
      this.writing = false;
      this.pump();
    });
  }

  private async write(tracked: TrackedEvent): Promise<void> {
    const { count, lastObserved } = tracked;
    const base = `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(tracked.namespace)}/events`;
    const series = { count, lastObservedTime: microTime(lastObserved) };
    try {
      if (tracked.written === 0) {
        await this.client.request('POST', base, { body: this.body(tracked, count > 1 ? series : undefined), timeoutMs: this.options.timeoutMs });
        this.stats.created++;
      } else {
        // Only the series may change: everything else of an events.k8s.io/v1 Event is immutable.
        await this.client.request('PATCH', `${base}/${encodeURIComponent(tracked.name)}`, {
          body: { series }, contentType: 'application/merge-patch+json', timeoutMs: this.options.timeoutMs,
        });
        this.stats.patched++;
      }
      tracked.written = count;
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404 && tracked.written > 0) {
        // The Event expired (kube-apiserver's --event-ttl) or was deleted: the repeats since start a new one.
        tracked.count = Math.max(1, tracked.count - tracked.written);
        tracked.written = 0;
        tracked.firstObserved = lastObserved;
        tracked.name = eventName(tracked.record.regarding.name, this.nanos(this.now()));
        this.enqueue(tracked);
        return;
      }
      this.stats.failed++;
      const fields = { namespace: tracked.namespace, name: tracked.name, reason: tracked.record.reason, kind: tracked.record.regarding.kind };
      // A namespace being deleted (or gone) takes no Events, and its tenants are leaving with it: not worth a
      // line at the default verbosity (client-go's sink does not retry these either).
      if (namespaceGoing(err)) this.log.v(2).info('event not written: its namespace is being deleted', { ...fields, err: (err as Error).message });
      else this.log.error('writing an event failed', err, fields);
    }
  }

  private body(tracked: TrackedEvent, series: { count: number; lastObservedTime: string } | undefined) {
    const { regarding, type, reason, action, note } = tracked.record;
    return {
      apiVersion: 'events.k8s.io/v1', kind: 'Event',
      metadata: { name: tracked.name, namespace: tracked.namespace },
      eventTime: microTime(tracked.firstObserved),
      reportingController: this.options.reportingController,
      reportingInstance: this.options.reportingInstance,
      action, reason, note, type,
      regarding: Object.fromEntries(Object.entries(regarding).filter(([, v]) => v !== undefined && v !== '')),
      ...(series ? { series } : {}),
    };
  }
}
