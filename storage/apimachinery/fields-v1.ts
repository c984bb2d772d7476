/**
 * FieldsV1, the encoding of a set of field paths in managedFields (sigs.k8s.io/structured-merge-diff's
 * fieldpath.Set as JSON): each key (`f:name`, `k:{...}`, `v:...`, `i:N`) is a child path; a child whose value
 * is `{}` is in the set itself; a child with members of its own is in the set itself only if it holds `"."`.
 */
export type FieldsV1 = { [key: string]: FieldsV1 };

/** The deepest FieldsV1 this reads: managedFields come from kube-apiserver, whose objects are far shallower. */
const MAX_DEPTH = 100;

const isSet = (v: unknown): v is FieldsV1 => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether the node's own path is in the set: `{}` (a leaf), or `"."` among its children. */
function isMember(node: FieldsV1): boolean {
  const keys = Object.keys(node);
  return keys.length === 0 || keys.includes('.');
}

/**
 * `a` without the paths `b` has and without the nodes on the way to them (a map or struct that holds a field of
 * `b` is there for `b`); undefined when nothing is left. What `a` owns below a path of `b` stays `a`'s: a set
 * names paths, not subtrees. This is what an apply that created the object would have left to others.
 */
export function subtractFields(a: FieldsV1, b: FieldsV1 | undefined, depth = 0): FieldsV1 | undefined {
  if (depth > MAX_DEPTH) throw new Error(`FieldsV1 nested deeper than ${String(MAX_DEPTH)}`);
  // The root is the object itself, never a member: an empty set is `{}`.
  const member = depth > 0 && isMember(a) && b === undefined;
  const children: FieldsV1 = {};
  for (const [key, child] of Object.entries(a)) {
    if (key === '.' || !isSet(child)) continue;
    const other = b?.[key];
    const left = subtractFields(child, isSet(other) ? other : undefined, depth + 1);
    if (left) children[key] = left;
  }
  const hasChildren = Object.keys(children).length > 0;
  if (!member) return hasChildren ? children : undefined;
  return hasChildren ? { '.': {}, ...children } : {};
}

/** Whether a set holds no path at all. */
export function isEmptyFields(set: FieldsV1 | undefined): boolean {
  return set === undefined || subtractFields(set, undefined) === undefined;
}
