import { LRUCache } from 'lru-cache';
import type { KubeClient } from './client.js';
import { KubeApiError } from './kube-api-error.js';

/** One entry of a ledger: opaque data with an expiry (ms since the epoch) and the time it was written. */
export interface LedgerEntry<T> {
  data: T;
  createdAt: number;
  expiresAt: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

const ANNOTATION = 'kiosk.sh/ledger';
const MAX_ATTEMPTS = 100;
/**
 * Ledgers whose last write is remembered (least recently used forgotten first): 64 Leases of at most
 * MAX_LEDGER_ANNOTATION_BYTES each is a bound of 12 MiB whatever the number of accounts.
 */
const REMEMBERED_LEDGERS = 64;

/**
 * The most bytes of annotations (keys and values, as kube-apiserver counts them) a ledger write may leave on
 * its Lease: kube-apiserver refuses more than 256 KiB (TotalAnnotationSizeLimitB) with a 422, which would
 * fail the decision that wrote it, and every later one, until entries expire. A quarter is kept free, so
 * a write refused here is refused before kube-apiserver would, whatever else annotates the Lease.
 */
export const MAX_LEDGER_ANNOTATION_BYTES = 192 * 1024;

/**
 * A decision the ledger could not take now, and may take after `retryAfterMs`: callers answer it as kube-apiserver
 * answers a request it has no room for (429 with Retry-After), not as a failure.
 */
export class LedgerRetryError extends Error {
  constructor(message: string, readonly retryAfterMs: number) {
    super(message);
  }
}

/**
 * A write that would take the ledger over MAX_LEDGER_ANNOTATION_BYTES. Nothing was written; the entries that
 * hold the space expire (the earliest at `retryAfterMs` from now), so the caller can tell its client when
 * to retry (429 with Retry-After) instead of failing.
 */
export class LedgerFullError extends LedgerRetryError {
  constructor(readonly ledger: string, readonly bytes: number, retryAfterMs: number) {
    super(`ledger ${ledger} is full: the write would hold ${bytes} bytes of annotations, more than ${MAX_LEDGER_ANNOTATION_BYTES}`, retryAfterMs);
  }
}

/** Bytes of annotation keys and values, as ValidateAnnotationsSize counts them. */
export function annotationBytes(annotations: Record<string, string>): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  return total;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A small compare-and-swap ledger kept in a Lease's annotation: every decision that must not race
 * (across requests and across server replicas) reads the ledger, decides, and writes it back with the
 * Lease's resourceVersion as precondition, retrying on conflict. Expired entries are dropped on every
 * write, so an entry left by a process that died frees itself.
 */
export class LeaseLedger {
  /**
   * The Lease as this process last wrote it. kube-apiserver answered the write with it, so while no other
   * replica writes, it is the ledger: the next transaction compares-and-swaps against it without reading
   * first, one round trip instead of two. Under a burst, kube-apiserver is busy with the very creates being
   * decided and a read took seconds (4.1 s for the first of 1,000 concurrent pod creates on the sandbox).
   * Another writer makes the swap conflict, and the transaction reads and decides again.
   */
  private readonly written = new LRUCache<string, Lease>({ max: REMEMBERED_LEDGERS });

  constructor(private readonly client: KubeClient, private readonly namespace: string) {}

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`;
    return name ? `${base}/${encodeURIComponent(name)}` : base;
  }

  private async read(name: string): Promise<Lease> {
    try {
      return await this.client.request<Lease>('GET', this.path(name));
    } catch (err) {
      if (!(err instanceof KubeApiError) || err.statusCode !== 404) throw err;
      try {
        return await this.client.request<Lease>('POST', this.path(), {
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: this.namespace, labels: { 'app.kubernetes.io/name': 'kiosk' } }, spec: {} },
        });
      } catch (createErr) {
        if (createErr instanceof KubeApiError && createErr.statusCode === 409) return this.client.request<Lease>('GET', this.path(name));
        throw createErr;
      }
    }
  }

  /**
   * Runs `decide` on the live entries (expired ones removed) until its result is written without a
   * conflict. `decide` returns the new entries to store, or none to write nothing; its result value is
   * passed back either way. It may run several times and must have no side effects. Anything it reads
   * elsewhere (a live list) must be read inside it, after the ledger: a conflicting write by another
   * decision then forces a fresh read.
   */
  async transact<T, R>(name: string,
    decide: (entries: Record<string, LedgerEntry<T>>, now: number) => Promise<{ write?: Record<string, LedgerEntry<T>>; result: R }>): Promise<R> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const remembered = this.written.get(name);
      const lease = remembered ?? await this.read(name);
      const now = Date.now();
      const all = JSON.parse(lease.metadata.annotations?.[ANNOTATION] ?? '{}') as Record<string, LedgerEntry<T>>;
      const live = Object.fromEntries(Object.entries(all).filter(([, e]) => e.expiresAt > now));
      const { write, result } = await decide(live, now);
      const annotations = write && { ...(lease.metadata.annotations ?? {}), [ANNOTATION]: JSON.stringify(write) };
      const bytes = annotations ? annotationBytes(annotations) : 0;
      // Nothing is written (a denial, a read, a ledger too full), so no swap checks the remembered Lease against
      // the stored one: such an outcome is only taken on what was just read.
      if (remembered && (!annotations || bytes > MAX_LEDGER_ANNOTATION_BYTES)) {
        this.written.delete(name);
        continue;
      }
      if (!annotations) return result;
      if (bytes > MAX_LEDGER_ANNOTATION_BYTES) {
        const earliest = Math.min(...Object.values(live).map((e) => e.expiresAt));
        throw new LedgerFullError(name, bytes, Number.isFinite(earliest) ? Math.max(0, earliest - now) : 0);
      }
      try {
        const stored = await this.client.request<Lease>('PUT', this.path(name), { body: { ...lease, metadata: { ...lease.metadata, annotations } } });
        this.written.set(name, stored);
        return result;
      } catch (err) {
        // Whatever failed, the stored Lease is read again before the next decision on it.
        this.written.delete(name);
        if (!(err instanceof KubeApiError && err.statusCode === 409)) throw err;
      }
      // A remembered Lease that another writer replaced is no contention: read it at once.
      if (!remembered) await sleep(Math.random() * Math.min(50, 5 * (attempt + 1)));
    }
    // Each attempt lost to another writer, which did decide: a later retry has its turn.
    throw new LedgerRetryError(`ledger ${name}: too much contention`, 1_000);
  }

  /** The live entries, read without writing. */
  async entries<T>(name: string): Promise<Record<string, LedgerEntry<T>>> {
    return this.transact<T, Record<string, LedgerEntry<T>>>(name, (entries) => Promise.resolve({ result: entries }));
  }
}
