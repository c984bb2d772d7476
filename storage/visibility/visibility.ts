import type { KubeObject } from '../informers/informer.js';
import type { UserInfo } from '../user-info.js';
import type { AccessIndex, UserView } from './access-index.js';
import type { CollectionName } from './history.js';
import type { WatchOptions, WatchStart } from './watch-hub.js';
import { openWatch } from './watch-hub.js';

/**
 * What the registry reads: per-user views of namespaces and accounts, the resourceVersion clock, and
 * watches. Reads are synchronous lookups in memory; only waiting for a resourceVersion is asynchronous.
 */
export class Visibility {
  constructor(private readonly index: AccessIndex) {}

  get resourceVersion(): number {
    return this.index.resourceVersion;
  }

  get oldestResumable(): number {
    return this.index.oldestResumable;
  }

  view(collection: CollectionName, user: Pick<UserInfo, 'username' | 'groups'>): UserView {
    return this.index.view(collection, user);
  }

  visibleNames(collection: CollectionName, view: UserView): string[] {
    return this.index.visibleNames(collection, view);
  }

  isVisible(collection: CollectionName, view: UserView, name: string, obj: KubeObject | undefined): boolean {
    return this.index.isVisible(collection, view, name, obj);
  }

  object(collection: CollectionName, name: string): KubeObject | undefined {
    return this.index.object(collection, name);
  }

  openWatch(options: WatchOptions): WatchStart {
    return openWatch(this.index, options);
  }

  /**
   * Resolves true once the index has caught up with `rv` (read-your-writes, "not older than" reads),
   * false after the timeout or when the signal aborts.
   */
  waitForResourceVersion(rv: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.index.resourceVersion >= rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      const unsubscribe = this.index.subscribe(() => {
        if (this.index.resourceVersion >= rv) done(true);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
