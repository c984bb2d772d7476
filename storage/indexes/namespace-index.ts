import type { KubeObject } from '../informers/informer.js';
import type { EventSource } from './event-source.js';

/**
 * A namespaced informer's objects grouped by namespace, kept from its events, so that a reader asks for
 * one namespace's objects instead of scanning the collection.
 */
export class NamespaceIndex<T extends KubeObject> {
  private readonly byNamespace = new Map<string, Map<string, T>>();

  constructor(source: EventSource<T>) {
    source.addHandlers({
      onAdd: (o) => { this.set(o); },
      onUpdate: (_before, o) => { this.set(o); },
      onDelete: (o) => { this.remove(o); },
    });
  }

  /** The objects in a namespace, in no particular order. */
  objects(namespace: string): T[] {
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  private set(obj: T): void {
    const namespace = obj.metadata.namespace ?? '';
    let group = this.byNamespace.get(namespace);
    if (!group) this.byNamespace.set(namespace, (group = new Map<string, T>()));
    group.set(obj.metadata.name, obj);
  }

  private remove(obj: T): void {
    const namespace = obj.metadata.namespace ?? '';
    const group = this.byNamespace.get(namespace);
    group?.delete(obj.metadata.name);
    if (group?.size === 0) this.byNamespace.delete(namespace);
  }
}
