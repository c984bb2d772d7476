import type { CountedKind } from './counted-kinds.js';
import { kindKey, kindsCountedBy } from './counted-kinds.js';
import type { Quantity } from '../../storage/apimachinery/quantity.js';
import { add, parseQuantity } from '../../storage/apimachinery/quantity.js';
import type { AccountQuota } from './types.js';
import { matchesScopes, usageOf } from './usage.js';

interface ObjectLike {
  metadata: { name: string; namespace?: string };
}

interface Entry {
  obj: ObjectLike;
  /** usageOf(obj), computed once per object version. */
  usage: Map<string, Quantity>;
}

export type Usage = Map<string, Quantity>;

/** `<resource>.<group>/<namespace>/<name>`: how reservations name the object they are for. */
export const objectKey = (kind: CountedKind, namespace: string, name: string) => `${kindKey(kind)}/${namespace}/${name}`;

/**
 * What the objects of each counted kind use, per namespace, from the informers. A quota's usage is the
 * sum over its account's namespaces of the objects matching its scopes, for the names in its hard
 * limits (usageOf applies Kubernetes' rules, e.g. terminal pods count only for count/pods). It also remembers when it last saw each object, so a reservation
 * made for an object stops counting once the object itself is visible here (or seen deleted).
 */
export class UsageIndex {
  private readonly byKind = new Map<string, Map<string, Map<string, Entry>>>();
  private readonly lastSeen = new Map<string, number>();
  private readonly seenListeners: Array<(key: string, at: number) => void> = [];

  /** Calls `listener` with the objectKey of every object seen (created, changed or deleted), and when. */
  onSeen(listener: (key: string, at: number) => void): void {
    this.seenListeners.push(listener);
  }

  private markSeen(key: string, now: number): void {
    this.lastSeen.set(key, now);
    for (const l of this.seenListeners) l(key, now);
  }

  set(kind: CountedKind, obj: ObjectLike, now = Date.now()): void {
    const ns = obj.metadata.namespace ?? '';
    let byNs = this.byKind.get(kindKey(kind));
    if (!byNs) this.byKind.set(kindKey(kind), (byNs = new Map<string, Map<string, Entry>>()));
    let entries = byNs.get(ns);
    if (!entries) byNs.set(ns, (entries = new Map<string, Entry>()));
    entries.set(obj.metadata.name, { obj, usage: usageOf(kind, obj) });
    this.markSeen(objectKey(kind, ns, obj.metadata.name), now);
  }

  delete(kind: CountedKind, obj: ObjectLike, now = Date.now()): void {
    const ns = obj.metadata.namespace ?? '';
    this.byKind.get(kindKey(kind))?.get(ns)?.delete(obj.metadata.name);
    this.markSeen(objectKey(kind, ns, obj.metadata.name), now);
  }

  /** Whether the object behind `key` was seen (created, changed or deleted) at or after `since`. */
  seenSince(key: string, since: number): boolean {
    return (this.lastSeen.get(key) ?? -Infinity) >= since;
  }

  /** Forgets when objects were seen before `before` (reservations older than that have expired). */
  pruneSeen(before: number): void {
    for (const [k, t] of this.lastSeen) if (t < before) this.lastSeen.delete(k);
  }

  /** The quota's usage in each of the namespaces, for the names of its hard limits. */
  usage(quota: AccountQuota, namespaces: Iterable<string>): Map<string, Usage> {
    const hard = Object.keys(quota.spec.quota?.hard ?? {});
    const kinds = kindsCountedBy(hard);
    const scopes = quota.spec.quota?.scopes ?? [];
    const selector = quota.spec.quota?.scopeSelector;
    const result = new Map<string, Usage>();
    for (const ns of namespaces) {
      const used: Usage = new Map(hard.map((n) => [n, parseQuantity('0')]));
      for (const kind of kinds) {
        for (const { obj, usage } of this.byKind.get(kindKey(kind))?.get(ns)?.values() ?? []) {
          if (!matchesScopes(kind, obj, scopes, selector)) continue;
          for (const n of hard) {
            const q = usage.get(n);
            const sofar = used.get(n);
            if (q && sofar) used.set(n, add(sofar, q));
          }
        }
      }
      result.set(ns, used);
    }
    return result;
  }

  /** The sum over namespaces. */
  static total(perNamespace: Map<string, Usage>, names: string[]): Usage {
    const total: Usage = new Map(names.map((n) => [n, parseQuantity('0')]));
    for (const used of perNamespace.values()) for (const [n, q] of used) {
      const sofar = total.get(n);
      if (sofar) total.set(n, add(sofar, q));
    }
    return total;
  }
}
