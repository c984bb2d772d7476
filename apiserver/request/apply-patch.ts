/**
 * PATCH bodies as kube-apiserver applies them to a custom resource (k8s.io/apiserver
 * pkg/endpoints/handlers/patch.go over gopkg.in/evanphx/json-patch.v4): JSON merge patch (RFC 7386) and
 * JSON patch (RFC 6902), including the library's leniencies that clients may rely on (negative array
 * indices, `replace` of a missing object member adds it), and upstream's errors:
 * - a malformed patch document is 400 (the decoder's text);
 * - an operation that cannot apply is 422 `the server rejected our request due to an error in our request`
 *   with empty details: upstream builds it with NewGenericServerResponse, which drops the library's message
 *   (kept here as the error's `cause`, for logs);
 * - more than 10000 operations is 413.
 * Pure: inputs are never mutated.
 */
import { StatusError, badRequest, invalid, requestEntityTooLarge } from '../../storage/apimachinery/errors.js';
import { fieldError } from '../../storage/apimachinery/field-errors.js';
import { MAX_JSON_DEPTH, goJsonMarshal, goJsonType, isPlainObject } from '../../storage/apimachinery/go-json.js';

/** maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** JSONPatchMaxCopyBytes, genericapiserver's default for evanphx's AccumulatedCopySizeLimit. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

/** The 422 upstream answers a patch that does not apply with (NewGenericServerResponse: message fixed, details empty). */
function patchNotApplied(reason: string): StatusError {
  const err = new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  err.cause = new Error(reason);
  return err;
}

// ---------------------------------------------------------------------------------------------------------
// JSON values built from request data: own properties only, no recursion over depth the data chooses.
// ---------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown> | unknown[];

/** `object[key] = value` as an own data property, even for `__proto__` (whose setter would swap the prototype). */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** `object[key]` if it is an own member (`constructor`, `toString` and `__proto__` are not, unless the data has them). */
const getOwn = (object: Record<string, unknown>, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);

/**
 * A deep copy of a JSON value, without recursion, with own properties only. `pruneNulls` also drops null
 * members of objects at any depth (evanphx pruneNulls; array elements are kept).
 */
function copyJson<T>(value: T, pruneNulls = false): T {
  if (value === null || typeof value !== 'object') return value;
  const holder: Record<string, unknown> = {};
  const tasks: Array<[unknown, Json, string | number]> = [[value, holder, 'v']];
  for (let task = tasks.pop(); task !== undefined; task = tasks.pop()) {
    const [source, parent, key] = task;
    let copy: unknown = source;
    if (Array.isArray(source)) {
      const out = new Array<unknown>(source.length);
      source.forEach((v, i) => tasks.push([v, out, i]));
      copy = out;
    } else if (source !== null && typeof source === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(source)) {
        if (pruneNulls && v === null) continue;
        setOwn(out, k, undefined); // keep the member order while the tasks run in reverse
        tasks.push([v, out, k]);
      }
      copy = out;
    }
    if (Array.isArray(parent)) parent[key as number] = copy;
    else setOwn(parent, key as string, copy);
  }
  return holder.v as T;
}

const clone = <T>(v: T): T => copyJson(v);

/** The opening character of the first array or object (depth first, members in order) nested deeper than `max`. */
function tooDeepAt(value: unknown, max: number): '{' | '[' | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return Array.isArray(v) ? '[' : '{';
    const children = Array.isArray(v) ? v : Object.values(v);
    for (let i = children.length - 1; i >= 0; i--) {
      const child: unknown = children[i];
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * A patched document deeper than a body may be: upstream decodes the patched JSON again and answers its
 * decoder's error as 422 on `patch`, quoting the document; the decoder's error is Go's max-depth text.
 */
function checkPatchedDepth(patched: unknown): void {
  const at = tooDeepAt(patched, MAX_JSON_DEPTH);
  if (at === undefined) return;
  throw invalid('', '', '', [fieldError.invalid('patch', goJsonMarshal(patched), `invalid character '${at}' exceeded max depth`)]);
}

// ---------------------------------------------------------------------------------------------------------
// JSON merge patch.
// ---------------------------------------------------------------------------------------------------------

/** evanphx pruneNulls: null members of objects are dropped, at any depth (array elements are kept). */
const pruneNulls = (v: unknown): unknown => copyJson(v, true);

/** Merges `patch` into `doc` in place; both are own copies. Recursion is bounded by their (checked) depth. */
function mergeInto(doc: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      Reflect.deleteProperty(doc, k);
      continue;
    }
    const cur = getOwn(doc, k);
    if (cur === undefined || cur === null || !isPlainObject(cur)) setOwn(doc, k, pruneNulls(v));
    else if (!isPlainObject(v)) setOwn(doc, k, v);
    else mergeInto(cur, v);
  }
}

/**
 * RFC 7386 merge patch: `null` deletes, objects merge recursively, anything else (arrays included) replaces.
 * As evanphx's MergePatch, a replacing value loses the null members of its objects, an array patch replaces
 * the whole document, and a null or scalar patch is 400 `Invalid JSON Patch`.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return checked(pruneNulls(patch));
  if (!isPlainObject(patch)) throw badRequest('Invalid JSON Patch');
  if (!isPlainObject(target)) return checked(pruneNulls(patch));
  // Inputs deeper than a body may be are refused before mergeInto recurses over them.
  checkPatchedDepth(target);
  checkPatchedDepth(patch);
  const doc = clone(target);
  mergeInto(doc, clone(patch));
  return checked(doc);
}

const checked = <T>(patched: T): T => {
  checkPatchedDepth(patched);
  return patched;
};

// ---------------------------------------------------------------------------------------------------------
// JSON patch.
// ---------------------------------------------------------------------------------------------------------

/** An error of evanphx/json-patch v4, worded as pkg/errors wraps it (`<context>: <cause>`). */
class PatchError extends Error {}
const missing = (msg: string) => new PatchError(`${msg}: missing value`);
const invalidIndex = (idx: number) => new PatchError(`Unable to access invalid index: ${idx}: invalid index referenced`);
const wrap = (err: unknown, msg: string) => new PatchError(`${msg}: ${(err as Error).message}`);

/** strconv.Atoi, with its error text. */
function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw new PatchError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  const n = Number(key);
  if (!Number.isSafeInteger(n)) throw new PatchError(`strconv.Atoi: parsing ${JSON.stringify(key)}: value out of range`);
  return n;
}

type Container = Record<string, unknown> | unknown[];

/** RFC 6901 reference token decoding: `~1` is `/`, then `~0` is `~`. */
const decodeToken = (t: string) => (t.includes('~') ? t.replace(/~1/g, '/').replace(/~0/g, '~') : t);

/**
 * evanphx findObject: the container of the last token and that token. As upstream, the text before the first
 * `/` is ignored and a member holding null cannot be walked through.
 */
function findObject(doc: Container, path: string): [Container, string] | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let cur: Container = doc;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = get(cur, decodeToken(part));
    } catch {
      return undefined;
    }
    if (Array.isArray(next) || isPlainObject(next)) cur = next;
    else return undefined;
  }
  return [cur, decodeToken(split[split.length - 1] ?? '')];
}

/** partialDoc.get / partialArray.get: a missing member is undefined, a bad index throws. */
function get(c: Container, key: string): unknown {
  if (!Array.isArray(c)) return getOwn(c, key);
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -c.length) throw invalidIndex(idx);
    idx += c.length;
  }
  if (idx >= c.length) throw invalidIndex(idx);
  return c[idx];
}

function add(c: Container, key: string, value: unknown): void {
  if (!Array.isArray(c)) {
    setOwn(c, key, value);
    return;
  }
  if (key === '-') {
    c.push(value);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (err) {
    throw wrap(err, `value was not a proper array index: '${key}'`);
  }
  const size = c.length + 1;
  if (idx >= size) throw invalidIndex(idx);
  if (idx < 0) {
    if (idx < -size) throw invalidIndex(idx);
    idx += size;
  }
  c.splice(idx, 0, value);
}

function remove(c: Container, key: string): void {
  if (!Array.isArray(c)) {
    if (!Object.hasOwn(c, key)) throw missing(`Unable to remove nonexistent key: ${key}`);
    Reflect.deleteProperty(c, key);
    return;
  }
  let idx = atoi(key);
  if (idx >= c.length) throw invalidIndex(idx);
  if (idx < 0) {
    if (idx < -c.length) throw invalidIndex(idx);
    idx += c.length;
  }
  c.splice(idx, 1);
}

function set(c: Container, key: string, value: unknown): void {
  if (!Array.isArray(c)) {
    setOwn(c, key, value);
    return;
  }
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -c.length) throw invalidIndex(idx);
    idx += c.length;
  }
  c[idx] = value;
}

/** Structural equality of two JSON values (evanphx lazyNode.equal; null and absent members are alike). Iterative. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const pairs: Array<[unknown, unknown]> = [[a, b]];
  for (let pair = pairs.pop(); pair !== undefined; pair = pairs.pop()) {
    const [x, y] = pair;
    if (x === y) continue;
    if (x === undefined || y === undefined) {
      if ((x ?? null) !== (y ?? null)) return false;
      continue;
    }
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) {
        // Equal scalars need no trip through the stack.
        if (x[i] !== y[i]) pairs.push([x[i], y[i]]);
      }
      continue;
    }
    if (!isPlainObject(x) || !isPlainObject(y)) return false;
    const kx = Object.keys(x);
    if (kx.length !== Object.keys(y).length) return false;
    for (const k of kx) {
      if (!Object.hasOwn(y, k)) return false;
      if (x[k] !== y[k]) pairs.push([x[k], y[k]]);
    }
  }
  return true;
}

type Operation = Record<string, unknown>;

/** Operation.Path / From: the member as a string, or the library's error. */
function stringMember(op: Operation, member: 'path' | 'from'): string {
  const v = op[member];
  if (v === undefined || v === null) {
    throw missing(member === 'path' ? 'operation missing path field' : 'operation, missing from field');
  }
  if (typeof v !== 'string') throw new PatchError(`json: cannot unmarshal ${goJsonType(v)} into Go value of type string`);
  return v;
}

/** The value member, cloned; an absent value is null, as evanphx stores a nil node. */
const valueOf = (op: Operation) => (op.value === undefined ? null : clone(op.value));

function applyOne(doc: { root: Container }, op: Operation, copied: { bytes: number }): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add': {
      let path: string;
      try { path = stringMember(op, 'path'); } catch { throw missing('add operation failed to decode path'); }
      const found = findObject(doc.root, path);
      if (!found) throw missing(`add operation does not apply: doc is missing path: "${path}"`);
      try { add(found[0], found[1], valueOf(op)); } catch (err) { throw wrap(err, `error in add for path: '${path}'`); }
      return;
    }
    case 'remove': {
      let path: string;
      try { path = stringMember(op, 'path'); } catch { throw missing('remove operation failed to decode path'); }
      const found = findObject(doc.root, path);
      if (!found) throw missing(`remove operation does not apply: doc is missing path: "${path}"`);
      try { remove(found[0], found[1]); } catch (err) { throw wrap(err, `error in remove for path: '${path}'`); }
      return;
    }
    case 'replace': {
      let path: string;
      try { path = stringMember(op, 'path'); } catch (err) { throw wrap(err, 'replace operation failed to decode path'); }
      if (path === '') {
        const value = valueOf(op);
        if (!Array.isArray(value) && !isPlainObject(value)) throw new PatchError('replace operation value must be object or array');
        doc.root = value;
        return;
      }
      const found = findObject(doc.root, path);
      if (!found) throw missing(`replace operation does not apply: doc is missing path: ${path}`);
      try { get(found[0], found[1]); } catch { throw missing(`replace operation does not apply: doc is missing key: ${path}`); }
      set(found[0], found[1], valueOf(op));
      return;
    }
    case 'move': {
      let from: string;
      try { from = stringMember(op, 'from'); } catch (err) { throw wrap(err, 'move operation failed to decode from'); }
      const source = findObject(doc.root, from);
      if (!source) throw missing(`move operation does not apply: doc is missing from path: ${from}`);
      let value: unknown;
      try { value = get(source[0], source[1]); } catch (err) { throw wrap(err, `error in move for path: '${source[1]}'`); }
      try { remove(source[0], source[1]); } catch (err) { throw wrap(err, `error in move for path: '${source[1]}'`); }
      let path: string;
      try { path = stringMember(op, 'path'); } catch (err) { throw wrap(err, 'move operation failed to decode path'); }
      const target = findObject(doc.root, path);
      if (!target) throw missing(`move operation does not apply: doc is missing destination path: ${path}`);
      try { add(target[0], target[1], value ?? null); } catch (err) { throw wrap(err, `error in move for path: '${path}'`); }
      return;
    }
    case 'copy': {
      let from: string;
      try { from = stringMember(op, 'from'); } catch (err) { throw wrap(err, 'copy operation failed to decode from'); }
      const source = findObject(doc.root, from);
      if (!source) throw missing(`copy operation does not apply: doc is missing from path: ${from}`);
      let value: unknown;
      try { value = get(source[0], source[1]); } catch (err) { throw wrap(err, `error in copy for from: '${from}'`); }
      let path: string;
      try { path = stringMember(op, 'path'); } catch { throw missing('copy operation failed to decode path'); }
      const target = findObject(doc.root, path);
      if (!target) throw missing(`copy operation does not apply: doc is missing destination path: ${path}`);
      const copy = clone(value ?? null);
      copied.bytes += Buffer.byteLength(goJsonMarshal(copy));
      if (copied.bytes > MAX_JSON_PATCH_COPY_BYTES) {
        throw new PatchError(`Unable to complete the copy, the accumulated size increase of copy is ${copied.bytes}, `
          + `exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
      }
      try { add(target[0], target[1], copy); } catch (err) { throw wrap(err, 'error while adding value during copy'); }
      return;
    }
    case 'test': {
      let path: string;
      try { path = stringMember(op, 'path'); } catch (err) { throw wrap(err, 'test operation failed to decode path'); }
      // Built only on failure: an Error captures a stack trace, which 10000 passing tests would pay for.
      const failed = () => new PatchError(`testing value ${path} failed: test failed`);
      if (path === '') {
        if (!jsonEqual(doc.root, op.value)) throw failed();
        return;
      }
      const found = findObject(doc.root, path);
      if (!found) throw missing(`test operation does not apply: is missing path: ${path}`);
      let value: unknown;
      try { value = get(found[0], found[1]); } catch (err) { throw wrap(err, `error in test for path: '${path}'`); }
      if (!('value' in op)) throw failed();
      if (value === undefined || value === null) {
        if (op.value === null) return;
        throw failed();
      }
      if (!jsonEqual(value, op.value)) throw failed();
      return;
    }
    default:
      throw new PatchError(`Unexpected kind: ${kind}`);
  }
}

/** jsonpatch.DecodePatch's shape check on an already parsed document: 400 with the Go decoder's text. */
export function checkOperations(ops: unknown): Operation[] {
  if (ops === null) return [];
  if (!Array.isArray(ops)) throw badRequest(`json: cannot unmarshal ${goJsonType(ops)} into Go value of type jsonpatch.Patch`);
  for (const op of ops) {
    if (op !== null && !isPlainObject(op)) throw badRequest(`json: cannot unmarshal ${goJsonType(op)} into Go value of type jsonpatch.Operation`);
  }
  return ops.map((op) => (op ?? {}) as Operation);
}

/**
 * RFC 6902 JSON patch (add, remove, replace, move, copy, test; `~0`/`~1` escapes; `-` appends), applied to a
 * copy of `target`. A document that is not a list of operations is 400; more than 10000 operations 413; an
 * operation that does not apply 422 (see patchNotApplied).
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const operations = checkOperations(ops);
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`);
  }
  const root = clone(target);
  if (!Array.isArray(root) && !isPlainObject(root)) throw patchNotApplied('json: cannot unmarshal into a patch document');
  const doc = { root: root as Container };
  const copied = { bytes: 0 };
  for (const op of operations) {
    try {
      applyOne(doc, op, copied);
    } catch (err) {
      if (err instanceof PatchError) throw patchNotApplied(err.message);
      throw err;
    }
  }
  return checked(doc.root);
}
