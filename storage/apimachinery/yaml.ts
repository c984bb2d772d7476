/**
 * YAML and JSON as Kiosk's Go code sees them: github.com/ghodss/yaml over gopkg.in/yaml.v2 (YAML 1.1
 * plain-scalar resolution: `yes`/`on`/`y` are booleans, `0755` is octal, `1_000` is an integer, timestamps
 * stay strings), then encoding/json (sorted keys, HTML-escaped strings, no NaN or Infinity).
 *
 * js-yaml is @kubernetes/client-node's own YAML library; it is driven here with a schema whose implicit
 * types follow yaml.v2's resolve(), for loading and for deciding which strings the dump must quote.
 */
import { dump, FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml';
import { jsonOrNull } from './canonical-json.js';
import { goQuote } from './go-quote.js';

type Plain = { tag: 'null'; value: null } | { tag: 'bool'; value: boolean } | { tag: 'int' | 'float'; value: number };

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS: Record<string, number> = {
  '.nan': NaN, '.NaN': NaN, '.NAN': NaN,
  '.inf': Infinity, '.Inf': Infinity, '.INF': Infinity,
  '+.inf': Infinity, '+.Inf': Infinity, '+.INF': Infinity,
  '-.inf': -Infinity, '-.Inf': -Infinity, '-.INF': -Infinity,
};
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$/;
const DIGITS: Record<2 | 8 | 10 | 16, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseInt(s, 0, 64), falling back to ParseUint(s, 0, 64) as yaml.v2 does. */
function goParseInt(s: string): number | undefined {
  let rest = s;
  let sign = '';
  if (rest[0] === '+' || rest[0] === '-') {
    sign = rest[0];
    rest = rest.slice(1);
  }
  let base: keyof typeof DIGITS = 10;
  let prefix = '';
  if (rest.length >= 2 && rest[0] === '0') {
    const p = rest.charAt(1).toLowerCase();
    if (p === 'x' || p === 'o' || p === 'b') {
      base = p === 'x' ? 16 : p === 'o' ? 8 : 2;
      prefix = `0${p}`;
      rest = rest.slice(2);
    } else {
      base = 8;
      prefix = '0o';
      rest = rest.slice(1);
    }
  }
  if (!DIGITS[base].test(rest)) return undefined;
  const magnitude = BigInt(prefix ? `${prefix}${rest}` : rest);
  const value = sign === '-' ? -magnitude : magnitude;
  if (value >= INT64_MIN && value <= INT64_MAX) return Number(value);
  if (sign === '' && value <= UINT64_MAX) return Number(value);
  return undefined;
}

/** yaml.v2's resolve() for an untagged plain scalar; undefined means it stays a string. */
export function resolvePlainScalar(s: string): Plain | undefined {
  if (NULL.has(s)) return { tag: 'null', value: null };
  if (TRUE.has(s)) return { tag: 'bool', value: true };
  if (FALSE.has(s)) return { tag: 'bool', value: false };
  // Own keys only: `constructor` or `__proto__` must not find Object.prototype's members.
  const special = Object.hasOwn(SPECIAL_FLOATS, s) ? SPECIAL_FLOATS[s] : undefined;
  if (special !== undefined) return { tag: 'float', value: special };
  const first = s.charAt(0);
  if (first === '.') {
    if (!DOT_FLOAT.test(s)) return undefined;
    const v = Number(s.replace(/_/g, ''));
    return Number.isFinite(v) ? { tag: 'float', value: v } : undefined;
  }
  if (!(first >= '0' && first <= '9') && first !== '+' && first !== '-') return undefined;
  const plain = s.replace(/_/g, '');
  const int = goParseInt(plain);
  if (int !== undefined) return { tag: 'int', value: int };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const v = Number(plain);
    // ParseFloat fails with ErrRange beyond float64, and the scalar stays a string.
    if (Number.isFinite(v)) return { tag: 'float', value: v };
  }
  return undefined;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && !Object.is(v, -0);

function floatText(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  return Object.is(v, -0) ? '-0.0' : String(v);
}

const scalarType = (tag: string, accepts: Array<Plain['tag']>, options: {
  predicate: (v: unknown) => boolean; represent: (v: unknown) => string;
}) => new Type(`tag:yaml.org,2002:${tag}`, {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && accepts.includes(resolvePlainScalar(data)?.tag as Plain['tag']),
  // js-yaml constructs only what resolve() accepted, so the scalar resolves.
  construct: (data: string) => resolvePlainScalar(data)?.value,
  predicate: options.predicate,
  represent: options.represent as (v: object) => string,
});

/** yaml.v2's implicit types (null, bool, int, float, merge) over js-yaml's str/seq/map. */
const YAML11_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalarType('null', ['null'], { predicate: (v) => v === null, represent: () => 'null' }),
    scalarType('bool', ['bool'], { predicate: (v) => typeof v === 'boolean', represent: (v) => (v ? 'true' : 'false') }),
    scalarType('int', ['int'], { predicate: isInt, represent: (v) => String(v) }),
    scalarType('float', ['int', 'float'], {
      predicate: (v) => typeof v === 'number' && !isInt(v), represent: (v) => floatText(v as number),
    }),
    new Type('tag:yaml.org,2002:merge', { kind: 'scalar', resolve: (data: unknown) => data === '<<' }),
  ],
});

interface YamlException { reason?: string; message?: string; mark?: { line?: number; position?: number } }

/**
 * The deepest nesting of sequences and mappings a document may have. go-yaml allows 10000 (`exceeded max
 * depth of 10000`); V8 cannot serialise what deep (see MAX_JSON_DEPTH in go-json.ts, the same
 * bound for JSON bodies), so documents are refused with go-yaml's words at 1000.
 */
export const MAX_NESTING_DEPTH = 1000;
const DEPTH_ERROR = `exceeded max depth of ${MAX_NESTING_DEPTH}`;

/** go-yaml's `yaml: [line N: ]reason`; go-yaml omits the line for errors on the first one. */
function goYamlError(err: unknown): string {
  const e = err as YamlException;
  const line = e.mark?.line ?? 0;
  // js-yaml counts the scalar at the bottom as a level too, hence the + 1 in load options.
  const reason = e.reason?.startsWith('nesting exceeded maxDepth') ? DEPTH_ERROR : e.reason ?? e.message ?? String(err);
  return `yaml: ${line > 0 ? `line ${line + 1}: ` : ''}${reason}`;
}

const goFloat = (v: number) => (Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

/** go-yaml's decoder.unmarshal alias accounting (yaml.v2 decode.go): how much of a document aliases may be. */
function allowedAliasRatio(decodeCount: number): number {
  const low = 400000;
  const high = 4000000;
  if (decodeCount <= low) return 0.99;
  if (decodeCount >= high) return 0.10;
  return 0.99 - 0.89 * ((decodeCount - low) / (high - low));
}

class YamlToJsonError extends Error {}

/**
 * What ghodss/sigs.k8s.io yaml hands to encoding/json, built without recursion from js-yaml's result:
 * - an alias is expanded (js-yaml shares the anchored value), counted as go-yaml counts decodes, and a
 *   document whose expansion is mostly aliases fails with go-yaml's `document contains excessive aliasing`
 *   (a "billion laughs" costs at most about a hundred times its size); an anchor inside itself fails too;
 * - the expanded value may not nest deeper than MAX_NESTING_DEPTH;
 * - NaN and infinities fail as encoding/json fails on them;
 * - keys are own data properties, so `__proto__` is a key like any other.
 */
function toJsonValue(root: unknown): unknown {
  const seen = new Set<object>();
  let decodeCount = 0;
  let aliasCount = 0;
  const count = (inAlias: boolean) => {
    decodeCount++;
    if (inAlias) aliasCount++;
    if (aliasCount > 100 && decodeCount > 1000 && aliasCount / decodeCount > allowedAliasRatio(decodeCount)) {
      throw new YamlToJsonError('yaml: document contains excessive aliasing');
    }
  };
  // A task copies `source` into `parent[key]`. An anchor inside itself (js-yaml builds the cycle) expands
  // until the depth bound or the alias accounting stops it.
  interface Task { source: unknown; parent: Record<string, unknown> | unknown[]; key: string | number; depth: number; inAlias: boolean }
  const holder: unknown[] = [];
  const tasks: Task[] = [{ source: root, parent: holder, key: 0, depth: 0, inAlias: false }];
  for (let task = tasks.pop(); task !== undefined; task = tasks.pop()) {
    const { source, parent, key, depth } = task;
    let inAlias = task.inAlias;
    let value: unknown = source;
    if (typeof source === 'number' && !Number.isFinite(source)) throw new YamlToJsonError(`json: unsupported value: ${goFloat(source)}`);
    if (source !== null && typeof source === 'object') {
      if (depth >= MAX_NESTING_DEPTH) throw new YamlToJsonError(`yaml: ${DEPTH_ERROR}`);
      if (seen.has(source)) inAlias = true;
      else seen.add(source);
      if (Array.isArray(source)) {
        const copy: unknown[] = new Array<unknown>(source.length);
        for (let i = source.length - 1; i >= 0; i--) tasks.push({ source: source[i], parent: copy, key: i, depth: depth + 1, inAlias });
        value = copy;
      } else {
        const copy: Record<string, unknown> = {};
        const keys = Object.keys(source);
        for (const k of keys) defineKey(copy, k, undefined);
        for (const k of keys.toReversed()) {
          count(inAlias);
          tasks.push({ source: (source as Record<string, unknown>)[k], parent: copy, key: k, depth: depth + 1, inAlias });
        }
        value = copy;
      }
    }
    count(inAlias);
    if (Array.isArray(parent)) parent[key as number] = value;
    else defineKey(parent, key as string, value);
  }
  return holder[0];
}

/** `object[key] = value` as an own data property, even for `__proto__`. */
function defineKey(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** js-yaml's options for go-yaml's behaviour: YAML 1.1 scalars, duplicate keys kept (last wins) unless strict. */
const loadOptions = (strict: boolean) => ({ schema: YAML11_SCHEMA, json: !strict, maxDepth: MAX_NESTING_DEPTH + 1 });

/** The first document of `text`, js-yaml's way. @throws YamlException */
const loadFirst = (text: string, strict: boolean): unknown => loadAll(text, null, loadOptions(strict))[0] ?? null;

/**
 * ghodss yaml.Unmarshal into an interface{}: the first document, as JSON-compatible values (null for an
 * empty document). Errors read `error converting YAML to JSON: ...` as ghodss words them.
 */
export function yamlToJson(text: string): unknown {
  try {
    return decodeYaml(text).value;
  } catch (err) {
    throw new Error(`error converting YAML to JSON: ${(err as Error).message}`);
  }
}

/** A YAML mapping key as written at `position` (possibly quoted), for go-yaml's duplicate-key message. */
function yamlKeyAt(text: string, position: number): string {
  const eol = text.indexOf('\n', position);
  const line = text.slice(position, eol === -1 ? text.length : eol);
  const quoted = /^(["'])(.*?)\1/.exec(line);
  if (quoted) return quoted[2] ?? '';
  const colon = line.search(/:(\s|$)/);
  return (colon === -1 ? line : line.slice(0, colon)).trim();
}

/**
 * sigs.k8s.io/yaml's YAMLToJSON, as kube-apiserver decodes an application/yaml body: the first document with
 * YAML 1.1 scalars (`yes` is true, `0755` is 493, timestamps stay strings) as JSON values. A duplicate key
 * does not fail it (the last one wins); it comes back as the go-yaml strict error a strict decode reports.
 * @throws Error with YAMLToJSON's text, unprefixed as the serializer reports it: `yaml: line 4: exceeded max
 *   depth of 1000`, `yaml: document contains excessive aliasing`, `json: unsupported value: +Inf`
 */
export function decodeYaml(text: string): { value: unknown; strictError?: string } {
  let value: unknown;
  try {
    value = toJsonValue(loadFirst(text, false));
  } catch (err) {
    throw new Error(err instanceof YamlToJsonError ? err.message : goYamlError(err));
  }
  try {
    loadFirst(text, true);
  } catch (err) {
    const e = err as YamlException;
    if (e.reason === 'duplicated mapping key') {
      const key = yamlKeyAt(text, e.mark?.position ?? 0);
      return { value, strictError: `yaml: unmarshal errors:\n  line ${(e.mark?.line ?? 0) + 1}: key ${goQuote(key)} already set in map` };
    }
  }
  return { value };
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * ghodss yaml.Marshal: block YAML with keys sorted, sequences not indented under their key, and every
 * string that yaml.v2 would read as something else (yes, 0755, 1_000, ~ ...) quoted.
 */
export function jsonToYaml(value: unknown): string {
  return dump(value, {
    schema: YAML11_SCHEMA, sortKeys: byteOrder, lineWidth: -1, noRefs: true, noArrayIndent: true, quotingType: '"',
  });
}

const HTML_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * encoding/json.Marshal of a decoded object: compact, map keys in byte order (integer-like keys included,
 * which JSON.stringify would hoist), HTML characters escaped.
 */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => goJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => byteOrder(a, b));
    return `{${entries.map(([k, v]) => `${goJsonString(k)}:${goJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'string') return goJsonString(value);
  return jsonOrNull(value);
}

const goJsonString = (s: string) => JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c] ?? c);

/** The name encoding/json gives a JSON value's type in `cannot unmarshal <type> into ...`. */
export function goJsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string': return 'string';
    case 'number': return 'number';
    case 'boolean': return 'bool';
    default: return 'object';
  }
}
