import type { KubeClient, WatchEvent } from '../client.js';
import { KubeApiError } from '../kube-api-error.js';
import type { Logger } from '../logger.js';
import type { ObjectMeta } from '../apimachinery/object-meta.js';

/** Any object kube-apiserver lists or watches: it always has a name (and a namespace, if namespaced). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { name: string };
}

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  /** Used in logs and metrics. */
  name: string;
  /** The collection path, for example /api/v1/namespaces. */
  path: string;
  fieldSelector?: string;
  labelSelector?: string;
  /**
   * Keep managedFields on the objects: for the collections whose objects this server serves (Spaces and
   * Accounts show them, as kube-apiserver does), not for those it only reads.
   */
  keepManagedFields?: boolean;
  pageSize?: number;
}

interface ListResponse<T> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

/**
 * Informers keep objects without managedFields unless they serve them: they are close to half of a
 * RoleBinding's size, which at 50,000 bindings is most of the server's memory.
 */
function slim<T extends KubeObject>(obj: T, keepManagedFields: boolean | undefined): T {
  if (!keepManagedFields && obj.metadata.managedFields) delete obj.metadata.managedFields;
  return obj;
}

const key = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

/**
 * After a failed list or watch, how long the store counts as "recovering" once its watch is open again:
 * the events kube-apiserver replays from the last seen resourceVersion arrive in the first moments of the
 * new stream, and reads that must not miss them (see isCurrent) go to kube-apiserver meanwhile.
 */
const RECOVERY_WINDOW_MS = 10_000;

/** A read waiting for this informer cuts its retry back-off short, but at most this often. */
const MIN_KICKED_RETRY_MS = 500;

/** The wait kube-apiserver asks for (Retry-After, in a 429's or 5xx's Status details), if any. */
function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof KubeApiError)) return undefined;
  const seconds = err.status?.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.min(seconds, 30) * 1000 : undefined;
}

/**
 * A supervised list+watch mirror of one resource. It lists (in pages), then watches from the list's
 * resourceVersion with bookmarks; a watch that ends is resumed from the last seen version, a 410 Gone
 * relists, and any other error retries with exponential backoff (0.5 s to 30 s). A relist is diffed
 * against the store so handlers see exactly the adds, updates and deletes that happened meanwhile.
 */
export class Informer<T extends KubeObject> {
  private store = new Map<string, T>();
  private resourceVersion = '';
  private hasSynced = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly syncWaiters: Array<() => void> = [];
  /** Whether a watch is open; whether a list or watch failed since one last opened; until when it recovers. */
  private open = false;
  private failedSinceOpen = false;
  private recoveringUntil = 0;
  private lastAttempt = 0;
  private wakeRetry: (() => void) | undefined;
  private readonly stateListeners = new Set<() => void>();
  /** Counts of restarts and relists, for metrics. */
  readonly stats = { relists: 0, watchRestarts: 0, errors: 0, events: 0 };

  constructor(private readonly client: KubeClient, private readonly options: InformerOptions, private readonly log: Logger) {}

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * One object of a cluster-scoped collection as kube-apiserver has it now (undefined: it does not exist),
   * slimmed as the store keeps it: for a reader that must not miss an object whose event is still on its way.
   */
  async readLive(name: string): Promise<T | undefined> {
    try {
      return slim(await this.client.request<T>('GET', `${this.options.path}/${encodeURIComponent(name)}`), this.options.keepManagedFields);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  synced(): boolean {
    return this.hasSynced;
  }

  /**
   * Whether the store is as current as a watch can make it: a watch is open, and none failed within
   * RECOVERY_WINDOW_MS before it opened. False while kube-apiserver is unreachable, while it refuses the
   * watch (a CRD's storage warming up answers 429), and just after such an outage.
   */
  isCurrent(now = Date.now()): boolean {
    return this.isConnected() && now >= this.recoveringUntil;
  }

  /** Listed, and a watch open (possibly still replaying what happened while none was). */
  isConnected(): boolean {
    return this.open && this.hasSynced;
  }

  /** Calls `listener` whenever the watch opens or fails; returns the unsubscribe. */
  onStateChange(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Ends a retry back-off now (a reader is waiting for this store), at most every MIN_KICKED_RETRY_MS. */
  retryNow(): void {
    if (Date.now() - this.lastAttempt >= MIN_KICKED_RETRY_MS) this.wakeRetry?.();
  }

  /** Resolves once the first list has been loaded into the store. */
  waitForSync(): Promise<void> {
    return this.hasSynced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(name: string, namespace?: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let backoffMs = 500;
    let needList = true;
    while (!signal.aborted) {
      this.lastAttempt = Date.now();
      try {
        if (needList) {
          await this.relist(signal);
          needList = false;
        }
        await this.watch(signal);
        backoffMs = 500;
        this.stats.watchRestarts++;
        this.setOpen(false);
      } catch (err) {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the abort may come during the awaits; TypeScript keeps the loop's narrowing across them
        if (signal.aborted) break;
        this.stats.errors++;
        if (err instanceof KubeApiError && err.statusCode === 410) {
          // Expiry is no outage: the relist that follows brings the store up to date before the next watch.
          this.setOpen(false);
          this.log.v(2).info('watch expired, relisting', { informer: this.options.name });
          needList = true;
          continue;
        }
        this.failedSinceOpen = true;
        this.setOpen(false);
        // kube-apiserver's own Retry-After (a CRD's storage warming up, priority and fairness) is kept as
        // client-go's rest client keeps it, rather than doubling a back-off for a server that said when.
        const askedMs = retryAfterMs(err);
        const waitMs = askedMs ?? backoffMs;
        this.log.error('informer list/watch failed; retrying', err, { informer: this.options.name, retryInMs: waitMs });
        await this.sleep(waitMs, signal);
        if (askedMs === undefined) backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }

  private setOpen(open: boolean): void {
    if (open && this.failedSinceOpen) {
      this.recoveringUntil = Date.now() + RECOVERY_WINDOW_MS;
      this.failedSinceOpen = false;
    }
    this.open = open;
    for (const listener of this.stateListeners) listener();
  }

  /** The back-off between retries; retryNow() ends it early. */
  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakeRetry = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakeRetry = done;
    });
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page: ListResponse<T> = await this.client.request('GET', this.options.path, {
        query: {
          limit: this.options.pageSize ?? 500,
          continue: continueToken,
          fieldSelector: this.options.fieldSelector,
          labelSelector: this.options.labelSelector,
        },
        signal,
      });
      for (const item of page.items) fresh.set(key(item), slim(item, this.options.keepManagedFields));
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    this.stats.relists++;

    const old = this.store;
    this.store = fresh;
    this.resourceVersion = resourceVersion;
    for (const [k, obj] of fresh) {
      const before = old.get(k);
      if (!before) this.emit({ kind: 'add', obj });
      else if (before.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit({ kind: 'update', obj, before });
    }
    for (const [k, obj] of old) if (!fresh.has(k)) this.emit({ kind: 'delete', obj });

    if (!this.hasSynced) {
      this.hasSynced = true;
      this.log.info('informer synced', { informer: this.options.name, objects: fresh.size });
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private async watch(signal: AbortSignal): Promise<void> {
    // A server-side timeout between 5 and 10 minutes spreads re-watches of many informers apart.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    let expired: KubeApiError | undefined;
    await this.client.watch<T>(this.options.path, {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      fieldSelector: this.options.fieldSelector,
      labelSelector: this.options.labelSelector,
    }, (event) => {
      if (expired) return;
      expired = this.apply(event);
    }, signal, () => this.setOpen(true));
    if (expired) throw expired;
  }

  /** Applies one watch event to the store; returns an error for an ERROR event (410 means relist). */
  private apply(event: WatchEvent<T>): KubeApiError | undefined {
    this.stats.events++;
    if (event.type === 'ERROR') {
      const status = event.object;
      return new KubeApiError(status.code ?? 500, status, `watch ${this.options.path}: ${status.message ?? 'error event'}`);
    }
    const obj = slim(event.object, this.options.keepManagedFields);
    const rv = obj.metadata.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return undefined;
    const k = key(obj);
    const before = this.store.get(k);
    if (event.type === 'DELETED') {
      this.store.delete(k);
      this.emit({ kind: 'delete', obj: before ?? obj });
    } else {
      this.store.set(k, obj);
      if (before) this.emit({ kind: 'update', obj, before });
      else this.emit({ kind: 'add', obj });
    }
    return undefined;
  }

  private emit(change: { kind: 'add' | 'delete'; obj: T } | { kind: 'update'; obj: T; before: T }): void {
    const obj = change.obj;
    for (const h of this.handlers) {
      try {
        if (change.kind === 'add') h.onAdd?.(obj);
        else if (change.kind === 'update') h.onUpdate?.(change.before, obj);
        else h.onDelete?.(obj);
      } catch (err) {
        this.log.error('informer handler failed', err, { informer: this.options.name, object: key(obj) });
      }
    }
  }
}
