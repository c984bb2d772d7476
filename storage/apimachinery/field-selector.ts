/**
 * Field selectors as k8s.io/apimachinery/pkg/fields (selector.go) parses them, with the field-name
 * check of runtime.DefaultMetaV1FieldSelectorConversion (conversion.go). `kubectl delete --wait` and
 * `kubectl wait` depend on `metadata.name=<n>` working, and kubectl users on the exact 400 texts.
 */
import { badRequest } from './errors.js';
import { goQuote } from './go-quote.js';

/** `=` and `==` are the same test; upstream keeps only Equals in Requirements(), so do we. */
export type FieldOperator = '=' | '!=';

/** One AND-ed term: `field = value` or `field != value`. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  /** The unescaped value. */
  readonly value: string;
}

/** A parsed field selector. Immutable; safe to share between requests and watchers. */
export interface FieldSelector {
  /** True when the selector does not restrict anything. */
  readonly empty: boolean;
  /** The terms in upstream's order (sorted by their raw text). */
  readonly requirements: readonly FieldRequirement[];
  /** Whether the object's field set satisfies every term; a missing field counts as "". */
  matches(fields: Readonly<Record<string, string>>): boolean;
  /** upstream RequiresExactMatch: the value some `field=` term pins, if any. Other terms still apply. */
  requiresExactMatch(field: string): string | undefined;
  /**
   * The name when the selector is exactly `metadata.name=<name>` (one term), so a list or watch can be
   * narrowed to that one object with nothing else to check.
   */
  exactName(): string | undefined;
  /** The canonical form (`a=b,c!=d`), values re-escaped. */
  toString(): string;
}

/** The fields every object supports (metav1's default field label conversion). */
export const OBJECT_META_FIELDS: readonly string[] = Object.freeze(['metadata.name', 'metadata.namespace']);

// Checked in this order so "==" does not leave a leading "=" in the value.
const termOperators = ['!=', '==', '='] as const;

/** Splits on commas that are not backslash-escaped; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator occurrence splits; the field name itself cannot be escaped. */
function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` only; a bare `,` or `=` is an error. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  const out: string[] = [];
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out.push(c);
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Upstream formats the rune with %v, i.e. as its number ("61" for "=").
      throw badRequest(`invalid field selector: unescaped character in value: ${String(c.codePointAt(0))}`);
    } else {
      out.push(c);
    }
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out.join('');
}

/** fields.EscapeValue. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * The longest `fieldSelector` text we parse, in bytes: the same bound as for label selectors (see
 * MAX_SELECTOR_LENGTH there); our fields are names of at most 253 bytes, so no real selector comes near it.
 */
export const MAX_FIELD_SELECTOR_LENGTH = 32 * 1024;

/**
 * Parses a `fieldSelector` query value and checks each field against `supported`
 * (for our cluster-scoped resources: {@link OBJECT_META_FIELDS}). The empty string selects everything.
 * @throws StatusError 400 BadRequest, worded as kube-apiserver words it: parse errors first, then
 *   `"<f>" is not a known field selector: only "metadata.name", "metadata.namespace"`.
 */
export function parseFieldSelector(text: string, supported: readonly string[]): FieldSelector {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_FIELD_SELECTOR_LENGTH) {
    throw badRequest(`field selector is too long: ${bytes} bytes, at most ${MAX_FIELD_SELECTOR_LENGTH}`);
  }
  const parts = splitTerms(text).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (!term) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    requirements.push({ field: term.lhs, operator: term.op === '!=' ? '!=' : '=', value: unescapeValue(term.rhs) });
  }
  // Upstream applies the field label conversion after parsing, term by term in the same sorted order.
  for (const r of requirements) {
    if (!supported.includes(r.field)) {
      throw badRequest(`${goQuote(r.field)} is not a known field selector: only ${supported.map(goQuote).join(', ')}`);
    }
  }
  return selectorOf(requirements);
}

function selectorOf(requirements: FieldRequirement[]): FieldSelector {
  const terms = Object.freeze(requirements.map((r) => Object.freeze({ ...r })));
  const requiresExactMatch = (field: string) => terms.find((r) => r.field === field && r.operator === '=')?.value;
  return Object.freeze({
    empty: terms.length === 0,
    requirements: terms,
    matches: (fields: Readonly<Record<string, string>>) => terms.every((r) => {
      const actual = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] ?? '' : '';
      return r.operator === '=' ? actual === r.value : actual !== r.value;
    }),
    requiresExactMatch,
    exactName: () => {
      const only = terms.length === 1 ? terms[0] : undefined;
      return only && only.field === 'metadata.name' && only.operator === '=' ? only.value : undefined;
    },
    toString: () => terms.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(','),
  });
}
