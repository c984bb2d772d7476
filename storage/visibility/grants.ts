/** What one binding grants over the names of one resource: every name, or a set of names. */
export type Grant = 'all' | ReadonlySet<string>;

export const isEmptyGrant = (g: Grant | undefined) => g === undefined || (g !== 'all' && g.size === 0);

export function sameGrant(a: Grant | undefined, b: Grant | undefined): boolean {
  if (isEmptyGrant(a) && isEmptyGrant(b)) return true;
  if (a === 'all' || b === 'all') return a === b;
  if (!a || !b || a.size !== b.size) return false;
  for (const n of a) if (!b.has(n)) return false;
  return true;
}

/** The change of one binding's grant and subjects within a commit; the unit of history and of watch fan-out. */
export interface BindingDelta {
  binding: string;
  subjectsBefore: ReadonlySet<string>;
  grantBefore: Grant | undefined;
  subjectsAfter: ReadonlySet<string>;
  grantAfter: Grant | undefined;
}

/**
 * The union of the grants that reach one user, with multiplicity, so that one binding's removal is a
 * subtraction rather than a recomputation: a name is allowed while any binding still grants it.
 */
export class GrantCounter {
  private allCount = 0;
  private readonly names = new Map<string, number>();

  add(grant: Grant | undefined, sign: 1 | -1): void {
    if (!grant) return;
    if (grant === 'all') {
      this.allCount += sign;
      return;
    }
    for (const n of grant) {
      const c = (this.names.get(n) ?? 0) + sign;
      if (c === 0) this.names.delete(n);
      else this.names.set(n, c);
    }
  }

  allows(name: string): boolean {
    return this.allCount > 0 || this.names.has(name);
  }

  get allowsAll(): boolean {
    return this.allCount > 0;
  }

  /** The individually granted names (meaningful when !allowsAll). */
  grantedNames(): IterableIterator<string> {
    return this.names.keys();
  }

  /** Applies a binding's change as seen by a user with `keys`; returns whether anything changed for them. */
  apply(delta: BindingDelta, keys: ReadonlySet<string>, direction: 1 | -1 = 1): boolean {
    const before = matches(delta.subjectsBefore, keys) ? delta.grantBefore : undefined;
    const after = matches(delta.subjectsAfter, keys) ? delta.grantAfter : undefined;
    if (!before && !after) return false;
    if (direction === 1) {
      this.add(before, -1);
      this.add(after, 1);
    } else {
      this.add(after, -1);
      this.add(before, 1);
    }
    return true;
  }

  clone(): GrantCounter {
    const c = new GrantCounter();
    c.allCount = this.allCount;
    for (const [n, v] of this.names) c.names.set(n, v);
    return c;
  }
}

function matches(subjects: ReadonlySet<string>, keys: ReadonlySet<string>): boolean {
  const [small, large] = subjects.size <= keys.size ? [subjects, keys] : [keys, subjects];
  for (const k of small) if (large.has(k)) return true;
  return false;
}
