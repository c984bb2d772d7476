/**
 * YAML and JSON as Kiosk's Go code sees them: github.com/ghodss/yaml over gopkg.in/yaml.v2 (YAML 1.1
 * plain-scalar resolution: `yes`/`on`/`y` are booleans, `0755` is octal, `1_000` is an integer, timestamps
 * stay strings), then encoding/json (sorted keys, HTML-escaped strings, no NaN or Infinity).
 *
 * js-yaml is @kubernetes/client-node's own YAML library; it is driven here with a schema whose implicit
 * types follow yaml.v2's resolve(), for loading and for deciding which strings the dump must quote.
 */
import { dump, FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml';

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
const DIGITS: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };
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
  let base = 10;
  let prefix = '';
  if (rest.length >= 2 && rest[0] === '0') {
    const p = rest[1]!.toLowerCase();
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
  if (!DIGITS[base]!.test(rest)) return undefined;
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
  const special = SPECIAL_FLOATS[s];
  if (special !== undefined) return { tag: 'float', value: special };
  const first = s[0]!;
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
  construct: (data: string) => resolvePlainScalar(data)!.value,
  predicate: options.predicate as (v: object) => boolean,
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

interface YamlException { reason?: string; message?: string; mark?: { line?: number } }

/** go-yaml's `yaml: [line N: ]reason`; go-yaml omits the line for errors on the first one. */
function goYamlError(err: unknown): string {
  const e = err as YamlException;
  const line = e.mark?.line ?? 0;
  return `yaml: ${line > 0 ? `line ${line + 1}: ` : ''}${e.reason ?? e.message ?? String(err)}`;
}

const goFloat = (v: number) => (Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

/** What encoding/json refuses to marshal: NaN and infinities. */
function assertJsonable(value: unknown): void {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`json: unsupported value: ${goFloat(value)}`);
  if (Array.isArray(value)) value.forEach(assertJsonable);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(assertJsonable);
}

/**
 * ghodss yaml.Unmarshal into an interface{}: the first document, as JSON-compatible values (null for an
 * empty document). Errors read `error converting YAML to JSON: ...` as ghodss words them.
 */
export function yamlToJson(text: string): unknown {
  let docs: unknown[];
  try {
    docs = loadAll(text, null, { schema: YAML11_SCHEMA, json: true });
  } catch (err) {
    throw new Error(`error converting YAML to JSON: ${goYamlError(err)}`);
  }
  const value = docs[0] ?? null;
  try {
    assertJsonable(value);
  } catch (err) {
    throw new Error(`error converting YAML to JSON: ${(err as Error).message}`);
  }
  return value;
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
  return JSON.stringify(value) ?? 'null';
}

const goJsonString = (s: string) => JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c]!);

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
