import type { KubeObject } from '../informers/informer.js';
import type { UserInfo } from '../user-info.js';
import type { AccessIndex, UserView } from './access-index.js';
import type { CollectionName, HistoryRecord } from './history.js';
import { ViewAt } from './view-at.js';

export interface VisibilityEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object as the change left it (as it was last visible, for DELETED), with its own resourceVersion. */
  object: KubeObject;
  /** The resourceVersion of the history record that caused the event (not the object's). */
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
  /**
   * Called after the events of a record when one of them carried an object whose resourceVersion is not
   * the record's (a grant or revoke shows an object as it was before; a late change is stamped past its
   * own version): a client that resumes from `rv` misses nothing and gets nothing twice. Without it a
   * client resumes from the last object's version, which is older: it may get events again, never fewer.
   */
  resume?: (rv: number) => void;
}

export type WatchStart = { ok: true; close: () => void } | { ok: false; reason: 'expired' };

/**
 * Opens a per-user watch on a collection. Every change that alters what the user sees is an event: an
 * object created, changed or deleted, and also a grant (ADDED) or a revoke (DELETED) of access. Resuming
 * from a resourceVersion inside the history window replays exactly the events the user missed: the
 * user's view at that version is rebuilt by undoing the newer records (ViewAt), then they are replayed forward.
 */
export function openWatch(index: AccessIndex, options: WatchOptions): WatchStart {
  const { collection, matches, sink, resume } = options;
  const view: UserView = index.view(collection, options.user);
  let state: WatcherState;
  if (options.resumeFrom === undefined) {
    state = new WatcherState(new ViewAt(index, collection, view), matches);
    for (const name of index.visibleNames(collection, view)) {
      const obj = index.object(collection, name);
      if (obj && matches(obj)) sink({ type: 'ADDED', object: obj, rv: Number(obj.metadata.resourceVersion) || index.resourceVersion });
    }
  } else {
    const records = index.historySince(options.resumeFrom);
    if (!records) return { ok: false, reason: 'expired' };
    const at = new ViewAt(index, collection, view);
    at.rewind(records);
    state = new WatcherState(at, matches, true);
    for (const record of records) state.replay(record, sink, resume);
    state.caughtUp();
  }
  const unsubscribe = index.subscribe((record) => { state.replay(record, sink, resume); });
  return { ok: true, close: unsubscribe };
}

/**
 * One watcher's position, advanced record by record over a ViewAt: while replaying the history its
 * objects come from the overlay, afterwards from the index itself. A thousand watches of one user hold
 * one counter until a grant change reaches them, not a thousand copies of it.
 */
class WatcherState {
  constructor(private readonly at: ViewAt, private readonly matches: (obj: KubeObject) => boolean, private replaying = false) {}

  private visible(name: string, obj: KubeObject | undefined): boolean {
    return !!obj && this.at.visible(name, obj) && this.matches(obj);
  }

  caughtUp(): void {
    this.replaying = false;
    this.at.caughtUp();
  }

  replay(record: HistoryRecord<KubeObject>, sink: (e: VisibilityEvent) => void, resume?: (rv: number) => void): void {
    const events: VisibilityEvent[] = [];
    this.events(record, (type, object) => { events.push({ type, object, rv: record.rv }); });
    for (const e of events) sink(e);
    if (events.some((e) => e.object.metadata.resourceVersion !== String(record.rv))) resume?.(record.rv);
  }

  private events(record: HistoryRecord<KubeObject>, emit: (type: VisibilityEvent['type'], object: KubeObject) => void): void {
    const change = record.change;
    const collection = this.at.collection;
    if (change.kind === 'object') {
      if (change.collection !== collection) return;
      if (this.replaying) this.at.setObject(change.name, change.after);
      const wasVisible = this.visible(change.name, change.before);
      const isVisible = this.visible(change.name, change.after);
      // visible() is false for a missing object, so a visible side is always there.
      if (!wasVisible && isVisible && change.after) emit('ADDED', change.after);
      // As kube-apiserver's watch cache: an object leaving the view is reported in its last visible state.
      else if (wasVisible && !isVisible && change.before) emit('DELETED', change.before);
      else if (wasVisible && isVisible && change.after) emit('MODIFIED', change.after);
      return;
    }
    const deltas = change.deltas[collection].filter((d) => this.touches(d.subjectsBefore) || this.touches(d.subjectsAfter));
    if (deltas.length === 0) return;
    const affected = new Set<string>();
    let everything = false;
    for (const d of deltas) {
      for (const g of [d.grantBefore, d.grantAfter]) {
        if (g === 'all') everything = true;
        else if (g) for (const n of g) affected.add(n);
      }
    }
    const names = everything ? this.at.allNames() : [...affected];
    const before = new Map(names.map((n) => [n, this.visible(n, this.at.object(n))]));
    for (const d of deltas) this.at.applyGrants(d, 1);
    for (const name of names.sort()) {
      const obj = this.at.object(name);
      const now = this.visible(name, obj);
      if (before.get(name) === now || !obj) continue;
      emit(now ? 'ADDED' : 'DELETED', obj);
    }
  }

  private touches(subjects: ReadonlySet<string>): boolean {
    for (const k of subjects) if (this.at.keys.has(k)) return true;
    return false;
  }
}
