/**
 * JSON-shaped data as Go holds it in a map[string]interface{}: every key, `__proto__`, `constructor` and
 * `prototype` included, is a plain own entry, never a way to reach or replace a prototype; and walks over
 * it are loops with their own stack, so how deep an object nests costs heap, never call stack.
 */

/** A map or a list (JSON object or array). */
export type Container = Record<string, unknown> | unknown[];

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/**
 * How deep a rendered object may nest: far beyond any real manifest, and well inside what the recursive
 * steps after rendering (JSON.stringify on the way to kube-apiserver, which overflows near 4,000 levels)
 * can take.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Sets an own data property, `__proto__` included (plain assignment would replace the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** Reads an own property only: undefined for a key the object merely inherits (`constructor`, say). */
export const getOwn = (target: Record<string, unknown>, key: string): unknown => (Object.hasOwn(target, key) ? target[key] : undefined);

/** True when `value` has maps or lists nested more than `limit` levels deep (a scalar is level 0). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [node, depth] = top;
    if (!isContainer(node)) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (isContainer(child)) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** A deep copy of JSON data (maps, lists, scalars), keys as own data properties. */
export function cloneJson<T>(value: T): T {
  if (!isContainer(value)) return value;
  const fresh = (source: Container): Container => (Array.isArray(source) ? new Array<unknown>(source.length) : {});
  const root = fresh(value);
  const stack: Array<[Container, Container]> = [[value, root]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [source, target] = top;
    const entries: Array<[string | number, unknown]> = Array.isArray(source) ? source.map((v, i) => [i, v]) : Object.entries(source);
    for (const [key, child] of entries) {
      let copy = child;
      if (isContainer(child)) {
        copy = fresh(child);
        stack.push([child, copy as Container]);
      }
      if (Array.isArray(target)) target[key as number] = copy;
      else setOwn(target, key as string, copy);
    }
  }
  return root as T;
}
