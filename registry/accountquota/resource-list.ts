/**
 * corev1.ResourceList and the arithmetic quota does on it (k8s.io/apiserver/pkg/quota/v1/resources.go): parse,
 * add, subtract, mask, drop zeros, print. Shared by usage evaluation and admission.
 */
import { add, cmp, format, isZero, parseQuantity, sign, sub, toQuantity } from '../../storage/apimachinery/quantity.js';
import type { Quantity } from '../../storage/apimachinery/quantity.js';

/** corev1.ResourceList: quota resource name to quantity. */
export type ResourceList = Map<string, Quantity>;

/** A resource list as callers may hold one: parsed, or as JSON (quantity strings). */
export type ResourceListLike = ReadonlyMap<string, Quantity> | Readonly<Record<string, Quantity | string>>;

/** A JSON resource list (`{cpu: "100m"}`) parsed. */
export function toResourceList(list: ResourceListLike | Readonly<Record<string, unknown>> | null | undefined): ResourceList {
  const out: ResourceList = new Map();
  if (list == null) return out;
  const entries: Iterable<[string, unknown]> = list instanceof Map ? list.entries() : Object.entries(list);
  for (const [name, q] of entries) out.set(name, isQuantity(q) ? q : toQuantity(q));
  return out;
}

function isQuantity(v: unknown): v is Quantity {
  return v !== null && typeof v === 'object' && typeof (v as Quantity).coefficient === 'bigint';
}

/** quota.Add: the union, summing names in both. */
export function addResourceLists(a: ResourceListLike, b: ResourceListLike): ResourceList {
  const result = toResourceList(a);
  for (const [name, q] of toResourceList(b)) {
    const existing = result.get(name);
    result.set(name, existing === undefined ? q : add(existing, q));
  }
  return result;
}

/** quota.SubtractWithNonNegativeResult: a - b per name, floored at zero (names only in b are zero). */
export function subtractNonNegative(a: ResourceListLike, b: ResourceListLike): ResourceList {
  const bl = toResourceList(b);
  const zero = parseQuantity('0');
  const result: ResourceList = new Map();
  for (const [name, q] of toResourceList(a)) {
    const other = bl.get(name);
    const diff = other === undefined ? q : sub(q, other);
    result.set(name, sign(diff) > 0 ? diff : zero);
  }
  for (const name of bl.keys()) if (!result.has(name)) result.set(name, zero);
  return result;
}

/** quota.Mask: only the given names. */
export function maskResourceList(list: ResourceListLike, names: Iterable<string>): ResourceList {
  const keep = new Set(names);
  return new Map([...toResourceList(list)].filter(([name]) => keep.has(name)));
}

/** quota.RemoveZeros. */
export function removeZeros(list: ResourceListLike): ResourceList {
  return new Map([...toResourceList(list)].filter(([, q]) => !isZero(q)));
}

export function addInto(list: ResourceList, other: ResourceList): void {
  for (const [name, q] of other) {
    const existing = list.get(name);
    list.set(name, existing === undefined ? q : add(existing, q));
  }
}

export function maxInto(list: ResourceList, other: ResourceList): void {
  for (const [name, q] of other) {
    const existing = list.get(name);
    if (existing === undefined || cmp(q, existing) > 0) list.set(name, q);
  }
}

export function maxOf(first: ResourceList, ...rest: ResourceList[]): ResourceList {
  const result = new Map(first);
  for (const other of rest) maxInto(result, other);
  return result;
}

/** prettyPrint: `name=value` sorted by name, comma-joined, values as Quantity.String(). */
export function formatResourceList(list: ResourceListLike): string {
  return [...toResourceList(list)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, q]) => `${name}=${format(q)}`).join(',');
}
