import type { KubeObject } from '../informers/informer.js';
import type { UserInfo } from '../user-info.js';
import type { AccessIndex, UserView } from './access-index.js';
import type { GrantCounter } from './grants.js';
import type { CollectionName, HistoryRecord } from './history.js';

export interface VisibilityEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** The resourceVersion of the change that caused the event; a client resumes from it. */
  rv: number;
}

export interface WatchOptions {
  collection: CollectionName;
  user: Pick<UserInfo, 'username' | 'groups'>;
  /** Label and field selectors of the request, applied to every state of an object. */
  matches: (obj: KubeObject) => boolean;
  /** Resume after this resourceVersion; undefined starts from now with the current objects as ADDED. */
  resumeFrom?: number;
  /** Called synchronously for every event, in order; must not throw and must not block. */
  sink: (event: VisibilityEvent) => void;
}

export type WatchStart = { ok: true; close: () => void } | { ok: false; reason: 'expired' };

/**
 * Opens a per-user watch on a collection. Every change that alters what the user sees is an event: an
 * object created, changed or deleted, and also a grant (ADDED) or a revoke (DELETED) of access. Resuming
 * from a resourceVersion inside the history window replays exactly the events the user missed: the
 * user's state at that version is rebuilt by undoing the newer records, then they are replayed forward.
 */
export function openWatch(index: AccessIndex, options: WatchOptions): WatchStart {
  const { collection, matches, sink } = options;
  const view: UserView = index.view(collection, options.user);
  const state = new WatcherState(index, collection, view.keys, view.counter, matches);

  if (options.resumeFrom === undefined) {
    for (const name of index.visibleNames(collection, view)) {
      const obj = index.object(collection, name);
      if (obj && matches(obj)) sink({ type: 'ADDED', object: obj, rv: Number(obj.metadata.resourceVersion) || index.resourceVersion });
    }
  } else {
    const records = index.historySince(options.resumeFrom);
    if (!records) return { ok: false, reason: 'expired' };
    state.rewind(records);
    for (const record of records) state.replay(record, sink);
    state.clearOverlay();
  }
  const unsubscribe = index.subscribe((record) => state.replay(record, sink));
  return { ok: true, close: unsubscribe };
}

/**
 * One watcher's view of the user's grants, advanced record by record. It starts as the index's cached
 * view, shared by every watch of the same user (the index never changes a view it handed out), and is
 * copied only when a grant change reaches this user: a thousand watches of one user hold one counter,
 * not a thousand copies of it.
 */
class WatcherState {
  /** Object states as of the replay position, where they differ from the index's current ones. */
  private readonly overlay = new Map<string, KubeObject | undefined>();
  private replaying = false;
  private ownsCounter = false;

  constructor(private readonly index: AccessIndex, private readonly collection: CollectionName,
    private readonly keys: ReadonlySet<string>, private counter: GrantCounter,
    private readonly matches: (obj: KubeObject) => boolean) {}

  /** The counter to change: this watcher's own copy, made on first use. */
  private ownCounter(): GrantCounter {
    if (!this.ownsCounter) {
      this.counter = this.counter.clone();
      this.ownsCounter = true;
    }
    return this.counter;
  }

  private objectAt(name: string): KubeObject | undefined {
    return this.overlay.has(name) ? this.overlay.get(name) : this.index.object(this.collection, name);
  }

  private visible(name: string, obj: KubeObject | undefined): boolean {
    return !!obj && this.index.isVisible(this.collection, { keys: this.keys, counter: this.counter }, name, obj) && this.matches(obj);
  }

  /** Undo `records` (newest first) so that the state is as it was before the first of them. */
  rewind(records: HistoryRecord<KubeObject>[]): void {
    this.replaying = true;
    for (const { change } of records.toReversed()) {
      if (change.kind === 'object') {
        if (change.collection === this.collection) this.overlay.set(change.name, change.before);
      } else {
        for (const delta of change.deltas[this.collection]) this.ownCounter().apply(delta, this.keys, -1);
      }
    }
  }

  clearOverlay(): void {
    this.replaying = false;
    this.overlay.clear();
  }

  replay(record: HistoryRecord<KubeObject>, sink: (e: VisibilityEvent) => void): void {
    const change = record.change;
    if (change.kind === 'object') {
      if (change.collection !== this.collection) return;
      if (this.replaying) this.overlay.set(change.name, change.after);
      const wasVisible = this.visible(change.name, change.before);
      const isVisible = this.visible(change.name, change.after);
      // visible() is false for a missing object, so a visible side is always there.
      if (!wasVisible && isVisible && change.after) sink({ type: 'ADDED', object: change.after, rv: record.rv });
      // As kube-apiserver's watch cache: an object leaving the view is reported in its last visible state.
      else if (wasVisible && !isVisible && change.before) sink({ type: 'DELETED', object: change.before, rv: record.rv });
      else if (wasVisible && isVisible && change.after) sink({ type: 'MODIFIED', object: change.after, rv: record.rv });
      return;
    }
    const deltas = change.deltas[this.collection].filter((d) => this.touches(d.subjectsBefore) || this.touches(d.subjectsAfter));
    if (deltas.length === 0) return;
    const affected = new Set<string>();
    let everything = false;
    for (const d of deltas) {
      for (const g of [d.grantBefore, d.grantAfter]) {
        if (g === 'all') everything = true;
        else if (g) for (const n of g) affected.add(n);
      }
    }
    const names = everything ? this.allNames() : [...affected];
    const before = new Map(names.map((n) => [n, this.visible(n, this.objectAt(n))]));
    for (const d of deltas) this.ownCounter().apply(d, this.keys, 1);
    for (const name of names.sort()) {
      const obj = this.objectAt(name);
      const now = this.visible(name, obj);
      if (before.get(name) === now || !obj) continue;
      sink({ type: now ? 'ADDED' : 'DELETED', object: obj, rv: record.rv });
    }
  }

  private touches(subjects: ReadonlySet<string>): boolean {
    for (const k of subjects) if (this.keys.has(k)) return true;
    return false;
  }

  private allNames(): string[] {
    const names = new Set(this.index.allNames(this.collection));
    for (const [n, obj] of this.overlay) {
      if (obj) names.add(n);
      else names.delete(n);
    }
    return [...names];
  }
}
