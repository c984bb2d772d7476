/**
 * JSON with object keys sorted at every level: equal values compare equal whatever order the server wrote.
 * Written without recursion: the values compared come from tenants (an Account's spec, a template's
 * manifests) and kube-apiserver stores nesting up to 10000 levels, past where JSON.stringify overflows V8's
 * stack (about 4500).
 */
export function canonicalJson(value: unknown): string {
  return sortedJson(value);
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const htmlEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * JSON.stringify of a JSON value with every object's keys sorted (by UTF-16 code units, as `<` compares
 * them), iteratively. Members that are undefined are left out and array elements that are undefined print
 * as null, as JSON.stringify does. With `escapeHtml`, `<`, `>`, `&`, U+2028 and U+2029 in strings are
 * escaped as Go's encoding/json escapes them.
 */
export function sortedJson(value: unknown, escapeHtml = false): string {
  const str = escapeHtml ? (s: string) => JSON.stringify(s).replace(HTML_UNSAFE, htmlEscape) : (s: string) => JSON.stringify(s);
  const out: string[] = [];
  // Work items: a value to write, or a literal piece of text (separators, keys and closing brackets).
  const work: Array<{ value: unknown } | string> = [{ value }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      out.push('[');
      work.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        work.push({ value: v[i] === undefined ? null : v[i] });
        if (i > 0) work.push(',');
      }
    } else if (v !== null && typeof v === 'object') {
      const record = v as Record<string, unknown>;
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
      out.push('{');
      work.push('}');
      for (const k of keys.toReversed()) {
        work.push({ value: record[k] });
        work.push(`${str(k)}:`);
        if (k !== keys[0]) work.push(',');
      }
    } else if (typeof v === 'string') {
      out.push(str(v));
    } else {
      out.push(jsonOrNull(v));
    }
  }
  return out.join('');
}

/**
 * JSON.stringify(v), or `null` where JSON has no text for v (undefined, a function, a symbol): JSON.stringify
 * returns undefined for those, though its declared type says string.
 */
export function jsonOrNull(v: unknown): string {
  const text: unknown = JSON.stringify(v);
  return typeof text === 'string' ? text : 'null';
}
