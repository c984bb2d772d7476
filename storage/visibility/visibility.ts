import type { KubeObject } from '../informers/informer.js';
import type { UserInfo } from '../user-info.js';
import type { AccessIndex, UserView } from './access-index.js';
import type { CollectionName } from './history.js';
import type { WatchOptions, WatchStart } from './user-watch.js';
import { openWatch } from './user-watch.js';
import { ViewAt } from './view-at.js';
import type { ReadConsistency } from './read-consistency.js';

/**
 * What the registry reads: per-user views of namespaces and accounts, the resourceVersion clock, and
 * watches. Reads are synchronous lookups in memory; only waiting for a resourceVersion is asynchronous.
 */
export class Visibility {
  constructor(private readonly index: AccessIndex, readonly consistency?: ReadConsistency) {}

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

  /** The user's view as of `rv` (a list at an older version), undefined before the history window. */
  viewAt(collection: CollectionName, view: UserView, rv: number): ViewAt | undefined {
    return ViewAt.at(this.index, collection, view, rv);
  }

  openWatch(options: WatchOptions): WatchStart {
    return openWatch(this.index, options);
  }

  /** "Not older than" reads: resolves true once the index has reached `rv`, false on timeout or abort. */
  waitForResourceVersion(rv: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.index.waitFor(() => this.index.resourceVersion >= rv, timeoutMs, signal);
  }

  waitFor(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.index.waitFor(condition, timeoutMs, signal);
  }

  /** Whether the user may see the namespace now (the Space writer's read-your-writes and 404 checks). */
  isUserAllowed(user: Pick<UserInfo, 'username' | 'groups'>, name: string): boolean {
    return this.index.isVisible('namespaces', this.index.view('namespaces', user), name, this.index.object('namespaces', name));
  }
}
