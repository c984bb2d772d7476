/**
 * Go's encoding/json as kube-apiserver decodes JSON with it: the scanner's grammar and syntax-error texts, the
 * nesting and size bounds we add in front of V8's JSON.parse, sigs.k8s.io/json's duplicate-field paths, and the
 * type names Go's unmarshal errors print. Pure: no I/O.
 */
import { sortedJson } from './canonical-json.js';
import { goQuote } from './go-quote.js';
import { MAX_NESTING_DEPTH } from './yaml.js';

/** A syntax error worded as Go's encoding/json reports it (`invalid character 'x' looking for beginning of value`). */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const UNEXPECTED_EOF = 'unexpected end of JSON input';

/**
 * The deepest nesting of arrays and objects a body may have. Go's scanner allows 10000 and then fails with
 * `invalid character '[' exceeded max depth`; we fail the same way at 1000, because V8 cannot walk what Go
 * can: JSON.stringify gives up near 4500 levels and structuredClone near 2000, and a response, a log line or a
 * patch of a deeper object would be a 500. No Kubernetes object comes near 1000 levels (CBOR allows 64).
 */
export const MAX_JSON_DEPTH = MAX_NESTING_DEPTH;

/**
 * The most objects, arrays and object fields a body may hold, together. Go decodes a 3 MiB body of 250,000
 * fields in tens of milliseconds; V8 needs about half a second for JSON.parse alone, and every other tenant
 * waits that long. A Space or an Account holds a few dozen (an Account with 4,000 subjects, about 20,000), so
 * past this the body is refused while it is being scanned, before any of that work. kube-apiserver has no such
 * bound; its 3 MiB size limit is what keeps its own cost down.
 */
export const MAX_JSON_ENTRIES = 20_000;

/** A JSON patch may hold kube-apiserver's 10,000 operations of four entries each, and some values. */
export const MAX_JSON_PATCH_ENTRIES = 50_000;

// sigs.k8s.io/json stops collecting strict errors after 100.
const MAX_STRICT_ERRORS = 100;

/**
 * Go's quoteChar for the byte at `text[i]`: the scanner works on bytes, so a non-ASCII character is
 * reported by its first UTF-8 byte, printed as the Latin-1 rune of that byte.
 */
function quoteChar(text: string, i: number): string {
  const code = text.codePointAt(i) ?? 0;
  if (code === 0x27) return "'\\''";
  if (code === 0x22) return "'\"'";
  const firstByte = code < 0x80 ? code : (Buffer.from(String.fromCodePoint(code), 'utf8')[0] ?? 0);
  return `'${goQuote(String.fromCharCode(firstByte)).slice(1, -1)}'`;
}

type Frame = { kind: 'object'; keys: Set<string>; key: string } | { kind: 'array'; index: number };

/** The sigs.k8s.io/json field path of `key` inside the innermost open object: `a.b`, `a[0].b`, `[0].b`. */
function strictPath(stack: Frame[], key: string): string {
  let path = '';
  for (const frame of stack.slice(0, -1)) {
    if (frame.kind === 'object') path = path ? `${path}.${frame.key}` : frame.key;
    else path += `[${String(frame.index)}]`;
  }
  return path ? `${path}.${key}` : key;
}

/**
 * Checks `text` with the grammar and messages of Go's encoding/json scanner, and returns the paths of
 * duplicate object keys (JSON.parse silently keeps the last one), de-duplicated and capped like
 * sigs.k8s.io/json. Iterative, so deep nesting cannot overflow the stack.
 * @throws JsonSyntaxError on the first syntax error.
 */
export function scanJson(text: string, maxEntries = MAX_JSON_ENTRIES): { duplicates: string[] } {
  const n = text.length;
  const stack: Frame[] = [];
  const duplicates: string[] = [];
  let i = 0;
  type State = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'after';
  let state: State = 'value';

  const eof = () => new JsonSyntaxError(UNEXPECTED_EOF);
  const fail = (context: string) => (i >= n ? eof() : new JsonSyntaxError(`invalid character ${quoteChar(text, i)} ${context}`));
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

  // Runs of plain string characters are skipped in one step.
  // eslint-disable-next-line no-control-regex
  const plain = /[^"\\\u0000-\u001f]*/y;
  const scanString = () => {
    i++; // opening quote
    for (;;) {
      plain.lastIndex = i;
      if (plain.test(text)) i = plain.lastIndex;
      if (i >= n) throw eof();
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return; }
      if (c === 0x5c) {
        i++;
        if (i >= n) throw eof();
        const e = text[i] ?? '';
        if ('bfnrt"\\/'.includes(e)) { i++; continue; }
        if (e !== 'u') throw fail('in string escape code');
        i++;
        for (let k = 0; k < 4; k++) {
          if (i >= n) throw eof();
          if (!/[0-9a-fA-F]/.test(text[i] ?? '')) throw fail('in \\u hexadecimal character escape');
          i++;
        }
        continue;
      }
      if (c < 0x20) throw fail('in string literal');
      i++;
    }
  };

  const scanNumber = () => {
    if (text[i] === '-') {
      i++;
      if (i >= n) throw eof();
      if (!isDigit(text[i])) throw fail('in numeric literal');
    }
    if (text[i] === '0') i++;
    else while (isDigit(text[i])) i++;
    if (text[i] === '.') {
      i++;
      if (i >= n) throw eof();
      if (!isDigit(text[i])) throw fail('after decimal point in numeric literal');
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (i >= n) throw eof();
      if (!isDigit(text[i])) throw fail('in exponent of numeric literal');
      while (isDigit(text[i])) i++;
    }
  };

  const scanLiteral = (word: string) => {
    for (let k = 0; k < word.length; k++) {
      if (i >= n) throw eof();
      if (text[i] !== word[k]) throw fail(`in literal ${word} (expecting ${quoteChar(word, k)})`);
      i++;
    }
  };

  let entries = 0;
  const counted = () => {
    if (++entries > maxEntries) throw new JsonSyntaxError(`too many values: a body may hold at most ${String(maxEntries)} objects, arrays and fields`);
  };

  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    const top = stack[stack.length - 1];
    switch (state) {
      case 'valueOrEnd':
        if (text[i] === ']') { i++; stack.pop(); state = 'after'; } else state = 'value';
        continue;
      case 'keyOrEnd':
        if (text[i] === '}') { i++; stack.pop(); state = 'after'; } else state = 'key';
        continue;
      case 'value': {
        if (i >= n) throw eof();
        const c = text[i];
        if ((c === '{' || c === '[') && stack.length >= MAX_JSON_DEPTH) throw fail('exceeded max depth');
        if (c === '{') { counted(); i++; stack.push({ kind: 'object', keys: new Set(), key: '' }); state = 'keyOrEnd'; continue; }
        if (c === '[') { counted(); i++; stack.push({ kind: 'array', index: 0 }); state = 'valueOrEnd'; continue; }
        if (c === '"') scanString();
        else if (c === '-' || isDigit(c)) scanNumber();
        else if (c === 't') scanLiteral('true');
        else if (c === 'f') scanLiteral('false');
        else if (c === 'n') scanLiteral('null');
        else throw fail('looking for beginning of value');
        state = 'after';
        continue;
      }
      case 'key': {
        if (i >= n) throw eof();
        if (text[i] !== '"') throw fail('looking for beginning of object key string');
        const start = i;
        scanString();
        // Only a key with escapes needs decoding; the rest is the text between the quotes.
        const raw = text.slice(start + 1, i - 1);
        const key = raw.includes('\\') ? JSON.parse(text.slice(start, i)) as string : raw;
        counted();
        if (top?.kind === 'object') {
          if (top.keys.has(key) && duplicates.length < MAX_STRICT_ERRORS) {
            const path = strictPath(stack, key);
            if (!duplicates.includes(path)) duplicates.push(path);
          }
          top.keys.add(key);
          top.key = key;
        }
        state = 'colon';
        continue;
      }
      case 'colon':
        if (text[i] !== ':') throw fail('after object key');
        i++;
        state = 'value';
        continue;
      case 'after':
        if (!top) {
          if (i < n) throw fail('after top-level value');
          return { duplicates };
        }
        if (i >= n) throw eof();
        if (top.kind === 'object') {
          if (text[i] === ',') { i++; state = 'key'; continue; }
          if (text[i] === '}') { i++; stack.pop(); continue; }
          throw fail('after object key:value pair');
        }
        if (text[i] === ',') { i++; top.index++; state = 'value'; continue; }
        if (text[i] === ']') { i++; stack.pop(); continue; }
        throw fail('after array element');
    }
  }
}

/** scanJson, then the value. @throws JsonSyntaxError */
export function parseJson(text: string, maxEntries = MAX_JSON_ENTRIES): { value: unknown; duplicates: string[] } {
  const { duplicates } = scanJson(text, maxEntries);
  return { value: JSON.parse(text) as unknown, duplicates };
}

/** The JSON type name Go's UnmarshalTypeError prints (`array`, `object`, `string`, `number`, `bool`). */
export function goJsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'object': return 'object';
    case 'string': return 'string';
    case 'number': return 'number';
    case 'boolean': return 'bool';
    default: return typeof value;
  }
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Go's json.Marshal of a decoded document: map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped. Written
 * without recursion, so a document of any depth can be quoted in an error.
 */
export function goJsonMarshal(value: unknown): string {
  return sortedJson(value, true);
}
