import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * Bytes an entry costs besides its key and value: the LRU's slots (key and value arrays, links, the
 * TTL's start and length) and the object headers. Measured roughly; it only has to keep tiny entries
 * from counting as free.
 */
const ENTRY_OVERHEAD_BYTES = 160;

/** The digest an entry is stored under: fixed-size whatever the request, never the request's own bytes. */
export function digestKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64');
}

/** A JSON-able value's approximate size in memory: two bytes per character of its JSON text, as V8 strings. */
export function approximateBytes(value: unknown): number {
  return 2 * JSON.stringify(value).length;
}

export interface DecisionCacheOptions {
  /** How long a decision is believed. */
  ttlMs: number;
  /** The most memory the entries may hold, keys and values together; the least recently used go first. */
  maxBytes: number;
}

/**
 * A short-lived cache of decisions about requests (authentication and authorization reviews), bounded in
 * bytes rather than entries: the requests it is keyed by come from anyone who can reach the port, and an
 * entry-count bound let entries keyed by 200 KB paths grow the process by hundreds of MiB. Keys are
 * digests of the request's attributes, so an entry costs the same whatever the request looked like.
 * Expired entries are dropped by a purge started in start(): the TTL alone only hides them from get().
 * Concurrent misses for one key share one review.
 */
export class DecisionCache<V> {
  private readonly cache: LRUCache<string, { value: V }>;
  private readonly inFlight = new Map<string, Promise<V>>();
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DecisionCacheOptions, sizeOf: (value: V) => number) {
    this.cache = new LRUCache<string, { value: V }>({
      ttl: options.ttlMs,
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => ENTRY_OVERHEAD_BYTES + 2 * key.length + Math.max(0, Math.ceil(sizeOf(entry.value))),
    });
  }

  /** The cached decision for `key`, or the one `review` gives (stored unless it is bigger than the whole budget). */
  async get(key: string, review: () => Promise<V>): Promise<V> {
    const cached = this.cache.get(key);
    if (cached) return cached.value;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const fresh = review().then((value) => {
      this.cache.set(key, { value });
      return value;
    }).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fresh);
    return fresh;
  }

  /** Starts dropping expired entries every TTL, so memory returns after a burst even if nothing evicts them. */
  start(): void {
    if (this.purgeTimer) return;
    this.purgeTimer = setInterval(() => this.cache.purgeStale(), this.options.ttlMs);
    this.purgeTimer.unref();
  }

  stop(): void {
    clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
  }

  /** Entries held now (expired ones not yet purged included) and the bytes they are counted as. */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cache.calculatedSize };
  }

  /** Drops expired entries now (what the timer does). */
  purgeStale(): void {
    this.cache.purgeStale();
  }
}
