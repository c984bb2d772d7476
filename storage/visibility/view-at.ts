import type { KubeObject } from '../informers/informer.js';
import type { AccessIndex, UserView } from './access-index.js';
import type { BindingDelta, GrantCounter } from './grants.js';
import type { CollectionName, HistoryRecord } from './history.js';

/**
 * One user's view of a collection at a position in the history: the index's current objects and grants,
 * with the records newer than the position undone. The objects that differ are an overlay over the index
 * and the grants a counter with those records' deltas applied backwards, so building it costs what
 * happened since, not the size of the collection. The watch replays forward from it (user-watch.ts) and
 * a list at an older resourceVersion reads from it (resourceVersionMatch=Exact, continue tokens).
 *
 * It starts with the index's cached counter, shared by every view of the same user (the index never
 * changes a counter it handed out), and copies it only when a grant change reaches this user.
 */
export class ViewAt {
  /** Object states at this position, where they differ from the index's current ones. */
  private readonly overlay = new Map<string, KubeObject | undefined>();
  private ownsCounter = false;

  private counter: GrantCounter;
  readonly keys: ReadonlySet<string>;

  /** `now` is the user's current view in the index, where this one starts. */
  constructor(private readonly index: AccessIndex, readonly collection: CollectionName, private readonly now: UserView) {
    this.keys = now.keys;
    this.counter = now.counter;
  }

  /**
   * The user's view as of `rv`: undefined when the history no longer reaches back that far. A list there
   * sees exactly what a list at `rv` saw, and a watch replays forward from it.
   */
  static at(index: AccessIndex, collection: CollectionName, view: UserView, rv: number): ViewAt | undefined {
    const records = index.historySince(rv);
    if (!records) return undefined;
    const at = new ViewAt(index, collection, view);
    at.rewind(records);
    return at;
  }

  /** Undoes `records` (oldest first, as the history gives them), newest first. */
  rewind(records: readonly HistoryRecord<KubeObject>[]): void {
    for (const { change } of records.toReversed()) {
      if (change.kind === 'object') {
        if (change.collection === this.collection) this.overlay.set(change.name, change.before);
      } else {
        for (const delta of change.deltas[this.collection]) this.applyGrants(delta, -1);
      }
    }
  }

  /** Moves one object forward (a replayed record); only while an overlay is kept, the index already has it. */
  setObject(name: string, obj: KubeObject | undefined): void {
    this.overlay.set(name, obj);
  }

  /** Forgets the overlay once this view has caught up with the index. */
  caughtUp(): void {
    this.overlay.clear();
  }

  /** Applies a binding's change for this user, forward (1) or undone (-1). */
  applyGrants(delta: BindingDelta, direction: 1 | -1): void {
    if (!this.ownsCounter) {
      this.counter = this.counter.clone();
      this.ownsCounter = true;
    }
    this.counter.apply(delta, this.keys, direction);
  }

  object(name: string): KubeObject | undefined {
    return this.overlay.has(name) ? this.overlay.get(name) : this.index.object(this.collection, name);
  }

  /** Whether `obj` (this position's state of `name`) is visible to the user at this position. */
  visible(name: string, obj: KubeObject | undefined): boolean {
    return this.index.isVisible(this.collection, { keys: this.keys, counter: this.counter }, name, obj);
  }

  /** Every object name at this position (unsorted). */
  allNames(): string[] {
    const names = new Set(this.index.allNames(this.collection));
    for (const [n, obj] of this.overlay) {
      if (obj) names.add(n);
      else names.delete(n);
    }
    return [...names];
  }

  /**
   * The names visible at this position, sorted. A name visible then is visible now, or its object changed
   * since (the overlay), or its grant did (then the undone counter grants it); accounts seen through
   * membership are visible now or changed since. So the candidates are those three, all names under "all".
   */
  visibleNames(): string[] {
    const view = { keys: this.keys, counter: this.counter };
    if (this.overlay.size === 0 && !this.ownsCounter) return this.index.visibleNames(this.collection, view);
    if (this.counter.allowsAll) return this.allNames().filter((n) => this.visible(n, this.object(n))).sort();
    const candidates = new Set(this.index.visibleNames(this.collection, this.now));
    for (const n of this.overlay.keys()) candidates.add(n);
    for (const n of this.counter.grantedNames()) candidates.add(n);
    return [...candidates].filter((n) => this.visible(n, this.object(n))).sort();
  }
}
