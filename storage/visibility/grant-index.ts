import type { BindingDelta, Grant } from './grants.js';
import { GrantCounter, isEmptyGrant, sameGrant } from './grants.js';

interface Entry {
  subjects: ReadonlySet<string>;
  grant: Grant;
}

/**
 * For one permission (say `get namespaces`), which bindings grant it, to which subjects, over which
 * names. Only bindings with a non-empty grant are kept, so the index grows with the grants that matter,
 * not with every binding of the cluster. Updates return the delta, or undefined when nothing changed.
 */
export class GrantIndex {
  private readonly byBinding = new Map<string, Entry>();
  private readonly bySubject = new Map<string, Set<string>>();

  set(binding: string, subjects: ReadonlySet<string>, grant: Grant | undefined): BindingDelta | undefined {
    const before = this.byBinding.get(binding);
    const after = grant === undefined || isEmptyGrant(grant) || subjects.size === 0 ? undefined : { subjects, grant };
    if (!before && !after) return undefined;
    if (before && after && sameGrant(before.grant, after.grant) && sameSet(before.subjects, after.subjects)) return undefined;
    if (before) this.unindex(binding, before.subjects);
    if (after) {
      this.byBinding.set(binding, after);
      for (const s of after.subjects) {
        let set = this.bySubject.get(s);
        if (!set) this.bySubject.set(s, (set = new Set()));
        set.add(binding);
      }
    } else {
      this.byBinding.delete(binding);
    }
    return {
      binding,
      subjectsBefore: before?.subjects ?? new Set(), grantBefore: before?.grant,
      subjectsAfter: after?.subjects ?? new Set(), grantAfter: after?.grant,
    };
  }

  delete(binding: string): BindingDelta | undefined {
    return this.set(binding, new Set(), undefined);
  }

  private unindex(binding: string, subjects: ReadonlySet<string>): void {
    for (const s of subjects) {
      const set = this.bySubject.get(s);
      set?.delete(binding);
      if (set && set.size === 0) this.bySubject.delete(s);
    }
  }

  /** The union of grants reaching a user: cost proportional to the user's own bindings, not the cluster's. */
  counterFor(keys: ReadonlySet<string>): GrantCounter {
    const counter = new GrantCounter();
    const seen = new Set<string>();
    for (const k of keys) {
      for (const binding of this.bySubject.get(k) ?? []) {
        if (seen.has(binding)) continue;
        seen.add(binding);
        const entry = this.byBinding.get(binding);
        if (entry) counter.add(entry.grant, 1);
      }
    }
    return counter;
  }

  get size(): number {
    return this.byBinding.size;
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}
