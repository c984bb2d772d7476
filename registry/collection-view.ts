import type { KubeObject } from '../storage/informers/informer.js';
import type { UserView } from '../storage/visibility/access-index.js';
import type { ReadConsistency } from '../storage/visibility/read-consistency.js';
import type { CollectionName } from '../storage/visibility/history.js';
import type { WatchOptions, WatchStart } from '../storage/visibility/user-watch.js';
import { CONTINUE_TOO_OLD, decodeContinue, encodeContinue } from './continue-token.js';
import type { GroupResource } from '../storage/apimachinery/group-version.js';
import { expired, notFound, StatusError, tooManyRequests } from '../storage/apimachinery/errors.js';
import type { Getter, ListOptions, ListResult, Lister, RequestContext, WatchEvent, WatchHandle, Watcher } from './rest.js';

/** What a user saw at a resourceVersion: the names visible then, sorted, and each object's state then. */
export interface PastView {
  visibleNames(): string[];
  object(name: string): KubeObject | undefined;
}

/** The storage view the registry consumes (implemented by storage/visibility/Visibility). */
export interface VisibilitySource {
  readonly resourceVersion: number;
  readonly oldestResumable: number;
  view(collection: CollectionName, user: RequestContext['user']): UserView;
  visibleNames(collection: CollectionName, view: UserView): string[];
  isVisible(collection: CollectionName, view: UserView, name: string, obj: KubeObject | undefined): boolean;
  object(collection: CollectionName, name: string): KubeObject | undefined;
  /** The user's view as of `rv` (at most the current version), undefined when the history no longer reaches it. */
  viewAt(collection: CollectionName, view: UserView, rv: number): PastView | undefined;
  openWatch(options: WatchOptions): WatchStart;
  waitForResourceVersion(rv: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Whether the index is current, and the way around it when it is not (absent: always current). */
  readonly consistency?: ReadConsistency;
}

/**
 * How long a list waits for the informers to watch again after an outage before it is told to retry, with
 * kube-apiserver's own answer while its watch cache (re)initializes; clients retry a 429 by themselves.
 */
const RECONNECT_WAIT_MS = 5_000;
const reinitializing = () => tooManyRequests('storage is (re)initializing', 1);

/** How long a read asking for a resourceVersion newer than the index waits before 504 (as kube-apiserver). */
const TOO_LARGE_RV_WAIT_MS = 3_000;

function tooLargeResourceVersion(requested: number, current: number): StatusError {
  return new StatusError(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`,
    { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 }, 1);
}

/**
 * get, list and watch over one collection of the access index, per requesting user. An object the user
 * may not see does not exist for them (404, never 403). Selectors are applied before paging, so a page
 * is never filtered after it was cut.
 */
export class CollectionView<T> implements Getter<T>, Lister<T>, Watcher<T> {
  constructor(
    private readonly source: VisibilitySource,
    private readonly collection: CollectionName,
    private readonly resource: GroupResource,
    private readonly convert: (obj: KubeObject) => T,
    private readonly listKind: { apiVersion: string; kind: string },
  ) {}

  async get(ctx: RequestContext, name: string): Promise<T> {
    const obj = await this.currentObject(name);
    const view = this.source.view(this.collection, ctx.user);
    if (!obj || !this.source.isVisible(this.collection, view, name, obj)) throw notFound(this.resource, name);
    return this.convert(obj);
  }

  /**
   * The object from the index, or from kube-apiserver while the index may be behind (just after an
   * outage): a GET never says 404 for what exists, nor shows an older version than a write answered.
   */
  private async currentObject(name: string): Promise<KubeObject | undefined> {
    const consistency = this.source.consistency;
    if (!consistency || consistency.current()) return this.source.object(this.collection, name);
    try {
      return await consistency.readLive(this.collection, name);
    } catch (err) {
      if (err instanceof StatusError) throw err;
      if (consistency.connected()) return this.source.object(this.collection, name);
      throw reinitializing();
    }
  }

  private matcher(options: ListOptions): (obj: KubeObject) => boolean {
    return (obj) => options.labelSelector.matches(obj.metadata.labels)
      && options.fieldSelector.matches({ 'metadata.name': obj.metadata.name, 'metadata.namespace': '' });
  }

  /** "Not older than" semantics for an explicit resourceVersion: wait briefly for the index, then 504. */
  private async awaitResourceVersion(resourceVersion: string, ctx: RequestContext): Promise<void> {
    if (resourceVersion === '' || resourceVersion === '0') return;
    const rv = Number(resourceVersion);
    if (!(await this.source.waitForResourceVersion(rv, TOO_LARGE_RV_WAIT_MS, ctx.signal))) {
      throw tooLargeResourceVersion(rv, this.source.resourceVersion);
    }
  }

  /**
   * A list at the current version, or (resourceVersionMatch=Exact, a continue token) at an older one inside
   * the history window, as kube-apiserver's watch cache serves them: each item as it was then, with its own
   * resourceVersion; 410 Expired before the window.
   */
  async list(ctx: RequestContext, options: ListOptions): Promise<ListResult<T> & { apiVersion: string; kind: string }> {
    const consistency = this.source.consistency;
    if (consistency && !(await consistency.waitConnected(RECONNECT_WAIT_MS, ctx.signal))) throw reinitializing();
    let listRv: number;
    let start = '';
    let tooOld: string;
    if (options.continueToken) {
      const token = decodeContinue(options.continueToken, this.source.oldestResumable);
      // A token from another replica may be ahead of this one's index.
      await this.awaitResourceVersion(String(token.rv), ctx);
      listRv = token.rv;
      start = token.start;
      tooOld = CONTINUE_TOO_OLD;
    } else {
      await this.awaitResourceVersion(options.resourceVersion, ctx);
      listRv = options.resourceVersionMatch === 'Exact' ? Number(options.resourceVersion) : this.source.resourceVersion;
      tooOld = 'The resourceVersion for the provided list is too old.';
    }

    const at = this.source.viewAt(this.collection, this.source.view(this.collection, ctx.user), listRv);
    if (!at) throw expired(tooOld);
    const matches = this.matcher(options);
    const names = at.visibleNames();
    let from = 0;
    if (start) {
      // Names are sorted: binary search for the first name after the token's position.
      let lo = 0;
      let hi = names.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const name = names[mid];
        if (name !== undefined && name <= start) lo = mid + 1;
        else hi = mid;
      }
      from = lo;
    }
    const items: T[] = [];
    let last = '';
    let i = from;
    for (; i < names.length; i++) {
      if (options.limit > 0 && items.length >= options.limit) break;
      const name = names[i];
      const obj = name === undefined ? undefined : at.object(name);
      if (name === undefined || !obj || !matches(obj)) continue;
      items.push(this.convert(obj));
      last = name;
    }
    const metadata: ListResult<T>['metadata'] = { resourceVersion: String(listRv) };
    if (i < names.length) {
      if (options.labelSelector.empty && options.fieldSelector.empty) {
        metadata.continue = encodeContinue({ rv: listRv, start: last });
        metadata.remainingItemCount = names.length - i;
      } else {
        // As upstream, no remainingItemCount under a selector: it would cost a scan of the rest; a
        // continue token only if something further matches.
        for (const name of names.slice(i)) {
          const obj = at.object(name);
          if (obj && matches(obj)) {
            metadata.continue = encodeContinue({ rv: listRv, start: last });
            break;
          }
        }
      }
    }
    return { ...this.listKind, metadata, items };
  }

  currentResourceVersion(): string {
    return String(this.source.resourceVersion);
  }

  async watch(ctx: RequestContext, options: ListOptions, sink: (event: WatchEvent<T>) => void): Promise<WatchHandle> {
    const rv = options.resourceVersion;
    // "" and "0" start now with the current objects as ADDED; sendInitialEvents asks for the same.
    const fromNow = rv === '' || rv === '0' || options.sendInitialEvents === true;
    await this.awaitResourceVersion(rv, ctx);
    const started = this.source.openWatch({
      collection: this.collection,
      user: ctx.user,
      matches: this.matcher(options),
      ...(fromNow ? {} : { resumeFrom: Number(rv) }),
      // Each object with its own resourceVersion, as a GET shows it; the change's position goes in a bookmark.
      sink: (e) => { sink({ type: e.type, object: this.convert(e.object) }); },
      resume: (at) => { sink({ type: 'BOOKMARK', resourceVersion: String(at) }); },
    });
    if (!started.ok) throw expired(`too old resource version: ${rv} (${this.source.oldestResumable})`);
    return { close: started.close };
  }
}
