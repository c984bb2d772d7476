/**
 * Hostile values and the serializer that writes them. Generated inputs are small *recipes* (a base value plus
 * a list of mutations naming a payload), materialized only when a request is sent: a failing case then prints
 * as a few lines a human can replay, not as a 2 MB string or a million-level object (which would also
 * overflow fast-check's own printer), and 10,000 requests never sit in memory at once.
 *
 * Some payloads cannot exist as JavaScript values at all: duplicate keys, `1e400`, `-0` as written, integers
 * past 2^53, invalid UTF-8. The serializer therefore writes chunks of text and bytes itself instead of
 * calling JSON.stringify.
 */

/** A value that is written as-is by the serializer (see `Payload`). */
export type Payload =
  /** Any JSON value (null, a wrong type, a small object). */
  | { kind: 'json'; value: unknown }
  /** `size` repetitions of `char` as a JSON string (a 2 MB name, a 200 KB quantity of digits). */
  | { kind: 'hugeString'; size: number; char: string }
  /** Number text JSON.stringify cannot produce: `1e400`, `-0`, `123456789012345678901234567890`, `1E-400`. */
  | { kind: 'rawNumber'; text: string }
  /** `depth` nested arrays or objects (`[[[...]]]`, `{"a":{"a":...}}`), written iteratively. */
  | { kind: 'deep'; depth: number; shape: 'array' | 'object' }
  /** An object with `count` keys, or an array of `count` elements. */
  | { kind: 'wide'; count: number; shape: 'array' | 'object' }
  /** Bytes that are not UTF-8 (a lone continuation byte, an overlong NUL, 0xff) inside a JSON string. */
  | { kind: 'badUtf8'; bytes: number[] };

/** Where a mutation applies: the `at % n`-th container (object or array) of the value in pre-order. */
export type Mutation =
  | { op: 'set'; at: number; key: string; value: Payload }
  | { op: 'delete'; at: number; index: number }
  | { op: 'replace'; at: number; value: Payload }
  /** Writes one key of the object twice in the JSON text (the second with `value`). */
  | { op: 'duplicate'; at: number; index: number; value: Payload }
  /** `__proto__`, `constructor` and `prototype` keys in every object of the value. */
  | { op: 'protoEverywhere'; value: Payload };

/** Marks a node of a materialized tree whose text is written by `writePayload`. */
class Special {
  constructor(readonly payload: Payload) {}
}

const DUPLICATES = Symbol('duplicates');
type Container = Record<string, unknown> & { [DUPLICATES]?: Array<[string, unknown]> };

/** Own properties only, so `__proto__` stays a plain key as in Go. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of a JSON value (the base values are small, so recursion is fine here). */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value && typeof value === 'object' && !(value instanceof Special)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) setOwn(out, k, clone((value as Record<string, unknown>)[k]));
    return out;
  }
  return value;
}

function containers(root: unknown): Array<{ node: Container | unknown[]; parent?: Container | unknown[]; key?: string | number }> {
  const out: Array<{ node: Container | unknown[]; parent?: Container | unknown[]; key?: string | number }> = [];
  const visit = (v: unknown, parent?: Container | unknown[], key?: string | number) => {
    if (Array.isArray(v)) {
      out.push({ node: v, parent, key });
      v.forEach((c, i) => visit(c, v, i));
    } else if (v && typeof v === 'object' && !(v instanceof Special)) {
      out.push({ node: v as Container, parent, key });
      for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], v as Container, k);
    }
  };
  visit(root);
  return out;
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

/** The base value with the mutations applied; Specials stand where payloads go. */
export function applyMutations(base: unknown, mutations: readonly Mutation[]): unknown {
  let root = clone(base);
  for (const m of mutations) {
    if (m.op === 'protoEverywhere') {
      for (const { node } of containers(root)) {
        if (!Array.isArray(node)) for (const k of PROTO_KEYS) setOwn(node, k, new Special(m.value));
      }
      continue;
    }
    const all = containers(root);
    if (all.length === 0) {
      if (m.op === 'replace') root = new Special(m.value);
      continue;
    }
    const target = all[m.at % all.length]!;
    const node = target.node;
    switch (m.op) {
      case 'set':
        if (Array.isArray(node)) node.push(new Special(m.value));
        else setOwn(node, m.key, new Special(m.value));
        break;
      case 'delete':
        if (Array.isArray(node)) node.splice(m.index % Math.max(node.length, 1), 1);
        else {
          const keys = Object.keys(node);
          if (keys.length) Reflect.deleteProperty(node, keys[m.index % keys.length]!);
        }
        break;
      case 'replace':
        if (target.parent === undefined) root = new Special(m.value);
        else if (Array.isArray(target.parent)) target.parent[target.key as number] = new Special(m.value);
        else setOwn(target.parent, target.key as string, new Special(m.value));
        break;
      case 'duplicate': {
        if (Array.isArray(node)) break;
        const keys = Object.keys(node);
        const key = keys.length ? keys[m.index % keys.length]! : 'metadata';
        (node[DUPLICATES] ??= []).push([key, new Special(m.value)]);
        break;
      }
    }
  }
  return root;
}

type Chunk = string | Buffer;

function writePayload(p: Payload, out: Chunk[]): void {
  switch (p.kind) {
    case 'json': writeJson(p.value, out); return;
    case 'hugeString': {
      // `size` is the size on the wire: a character that JSON escapes (NUL, a lone surrogate) takes 6 bytes.
      const perChar = Math.max(1, Buffer.byteLength(JSON.stringify(p.char).slice(1, -1)));
      out.push(JSON.stringify(p.char.repeat(Math.floor(p.size / perChar))));
      return;
    }
    case 'rawNumber': out.push(p.text); return;
    case 'deep': {
      const [open, close] = p.shape === 'array' ? ['[', ']'] : ['{"a":', '}'];
      out.push(open.repeat(p.depth), p.shape === 'array' ? '' : 'null', close.repeat(p.depth));
      return;
    }
    case 'wide':
      if (p.shape === 'array') out.push(`[${Array.from({ length: p.count }, (_, i) => String(i)).join(',')}]`);
      else out.push(`{${Array.from({ length: p.count }, (_, i) => `"k${i}":${i}`).join(',')}}`);
      return;
    case 'badUtf8': out.push('"', Buffer.from(p.bytes.map((b) => b & 0xff)), '"'); return;
  }
}

/** JSON text of a materialized tree: Specials written by writePayload, duplicate keys repeated. */
function writeJson(value: unknown, out: Chunk[]): void {
  if (value instanceof Special) return writePayload(value.payload, out);
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i) out.push(',');
      writeJson(v === undefined ? null : v, out);
    });
    out.push(']');
    return;
  }
  if (value && typeof value === 'object') {
    const obj = value as Container;
    out.push('{');
    let first = true;
    const entries: Array<[string, unknown]> = [...Object.keys(obj).map((k): [string, unknown] => [k, obj[k]]), ...(obj[DUPLICATES] ?? [])];
    for (const [k, v] of entries) {
      if (v === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      writeJson(v, out);
    }
    out.push('}');
    return;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    out.push('null');
    return;
  }
  out.push(value === undefined ? 'null' : JSON.stringify(value));
}

const concat = (chunks: Chunk[]) => Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));

/** The JSON bytes of a base value with mutations. */
export function toJsonBytes(base: unknown, mutations: readonly Mutation[] = []): Buffer {
  const out: Chunk[] = [];
  writeJson(applyMutations(base, mutations), out);
  return concat(out);
}

/**
 * YAML flow style is a superset of JSON, so the JSON text is a valid YAML document; block-style and
 * YAML-only constructs (anchors, tags, merge keys) come from `YAML_SPECIALS`.
 */
export const toYamlBytes = toJsonBytes;

/** Whole YAML documents that exercise what JSON cannot say. */
export const YAML_SPECIALS: Readonly<Record<string, () => string>> = {
  // Nine levels of nine aliases: 9^9 strings if a parser expands aliases eagerly (the "billion laughs").
  billionLaughs: () => {
    const lines = ['apiVersion: tenancy.kiosk.sh/v1alpha1', 'kind: Space', 'metadata: {name: laughs}', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
    lines.push('spec: {account: *a9}');
    return lines.join('\n') + '\n';
  },
  protoKeys: () => 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\n__proto__: {polluted: yes}\nmetadata:\n  name: proto\n  __proto__: {polluted: yes}\n  labels:\n    __proto__: x\n    constructor: y\nspec:\n  constructor: {prototype: {polluted: yes}}\n',
  mergeKeys: () => 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nbase: &b {name: merged}\nmetadata:\n  <<: *b\n  <<: {__proto__: {polluted: yes}}\n',
  jsTags: () => 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: !!js/function "function(){return 1}"}\nspec: !!js/undefined ""\n',
  duplicateBlock: () => 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  name: a\n  name: b\nmetadata:\n  name: c\n',
  deepBlock: () => `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nspec: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
  deepIndent: () => `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nspec:\n${Array.from({ length: 3_000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
  manyDocuments: () => 'kind: Space\n---\n'.repeat(20_000),
  hugeKey: () => `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\n${'k'.repeat(1_500_000)}: 1\n`,
  timestamps: () => 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: 2020-01-01, creationTimestamp: 2001-12-14t21:59:43.10-05:00, labels: {a: 0x1F, b: .inf, c: ~}}\n',
  binary: () => 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: !!binary aGVsbG8=}\n',
  tabsAndBom: () => '\ufeffapiVersion: tenancy.kiosk.sh/v1alpha1\nkind:\tSpace\nmetadata: {name: "\\0\\x00\\ud800"}\n',
};
