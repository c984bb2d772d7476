import type { KubeObject } from '../informers/informer.js';
import type { EventSource } from './event-source.js';

/** Called when an object joins a group, leaves one, or moves between two (undefined: no group). */
export type MoveListener = (key: string, from: string | undefined, to: string | undefined) => void;

const keyOf = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

/**
 * An informer's objects grouped by the value of one label, kept from its events, so that a reader asks
 * for one group instead of scanning the whole collection. An object without the label, with it empty, or
 * refused by `admits` is in no group. Keys are the informer's: `name`, or `namespace/name`.
 */
export class LabelIndex<T extends KubeObject> {
  private readonly byValue = new Map<string, Map<string, T>>();
  private readonly valueByKey = new Map<string, string>();
  private readonly listeners: MoveListener[] = [];

  constructor(source: EventSource<T>, private readonly label: string, private readonly admits: (obj: T) => boolean = () => true) {
    source.addHandlers({
      onAdd: (o) => { this.set(o); },
      onUpdate: (_before, o) => { this.set(o); },
      onDelete: (o) => { this.remove(keyOf(o)); },
    });
  }

  /** The objects in a group, in no particular order. */
  objects(value: string): T[] {
    return [...(this.byValue.get(value)?.values() ?? [])];
  }

  /** The keys in a group, sorted. */
  keys(value: string): string[] {
    return [...(this.byValue.get(value)?.keys() ?? [])].sort();
  }

  /** The group an object is in now. */
  valueOf(key: string): string | undefined {
    return this.valueByKey.get(key);
  }

  /** `listener` hears of every change of group, after the index has it. Objects that stay put are not reported. */
  onMove(listener: MoveListener): void {
    this.listeners.push(listener);
  }

  private set(obj: T): void {
    const key = keyOf(obj);
    const value = (this.admits(obj) && obj.metadata.labels?.[this.label]) || undefined;
    if (value === undefined) {
      this.remove(key);
      return;
    }
    const before = this.valueByKey.get(key);
    if (before !== value) this.leave(key, before);
    let group = this.byValue.get(value);
    if (!group) this.byValue.set(value, (group = new Map<string, T>()));
    group.set(key, obj);
    this.valueByKey.set(key, value);
    if (before !== value) this.notify(key, before, value);
  }

  private remove(key: string): void {
    const before = this.valueByKey.get(key);
    if (before === undefined) return;
    this.leave(key, before);
    this.valueByKey.delete(key);
    this.notify(key, before, undefined);
  }

  private leave(key: string, value: string | undefined): void {
    if (value === undefined) return;
    const group = this.byValue.get(value);
    group?.delete(key);
    if (group?.size === 0) this.byValue.delete(value);
  }

  private notify(key: string, from: string | undefined, to: string | undefined): void {
    for (const listener of this.listeners) listener(key, from, to);
  }
}
