/**
 * Label selectors with the grammar, validation and error messages of k8s.io/apimachinery/pkg/labels
 * (selector.go): kubectl users get the same 400s from us as from kube-apiserver, and the parsed
 * requirements are what SubjectAccessReview's labelSelector wants.
 */
import { jsonOrNull } from './canonical-json.js';
import { badRequest } from './errors.js';
import { aggregate, fieldInvalid } from './field-errors.js';
import { goQuote } from './go-quote.js';
import { isQualifiedName, isValidLabelValue } from './validation.js';

/** selection.Operator values, spelled as upstream spells them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One AND-ed term of a selector. `values` are sorted and unique for parsed selectors. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** A parsed selector. Immutable; safe to share between requests and watchers. */
export interface LabelSelector {
  /** True when the selector does not restrict anything (matches every object). */
  readonly empty: boolean;
  /** The requirements, sorted by key, as upstream's Requirements(). */
  readonly requirements: readonly LabelRequirement[];
  /** Whether `labels` (missing means none) satisfy every requirement. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** The canonical form, as upstream's String() (`a in (x,y),!b,c=d`). */
  toString(): string;
}

/** metav1.LabelSelectorRequirement (JSON shape). */
export interface MetaLabelSelectorRequirement {
  key: string;
  /** 'In', 'NotIn', 'Exists' or 'DoesNotExist'; decoded, so anything else is possible (and refused when parsed). */
  operator: string;
  values?: string[];
}

/** metav1.LabelSelector (JSON shape), as in quota scope selectors and namespace selectors. */
export interface MetaLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: MetaLabelSelectorRequirement[];
}

const binaryOperators: LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

// strconv.ParseInt(s, 10, 64): an optional sign, decimal digits, and the int64 range.
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  // More than 19 significant digits are out of range; BigInt() of a long text would be quadratic.
  if (s.replace(/^[+-]?0*/, '').length > 19) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * labels.NewRequirement: validates and builds one requirement. Errors are joined like
 * field.ErrorList.ToAggregate(). Upstream passes no field path from the parser or from
 * LabelSelectorAsSelector, so the messages start with a bare `key` / `values[0]`.
 * An empty `values` is reported as `null`, as Go's json.Marshal prints the nil slice upstream passes.
 */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(fieldInvalid('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(fieldInvalid('values', null, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(fieldInvalid('values', values.length ? values : null, 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(fieldInvalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(fieldInvalid('values', values.length ? values : null, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(fieldInvalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) errs.push(fieldInvalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  if (errs.length) throw new SelectorError(aggregate(errs));
  // Most requirements of a long selector have no values; they share one frozen empty list.
  return Object.freeze({ key, operator, values: values.length === 0 ? NO_VALUES : Object.freeze([...values]) });
}

const NO_VALUES: readonly string[] = Object.freeze([]);

/** An internal parse failure; turned into a 400 at the public boundary. */
class SelectorError extends Error {}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in': case '=': case '==':
      return has && r.values.includes(value ?? '');
    case 'notin': case '!=':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      // Like upstream: a missing or non-integer label never satisfies an inequality.
      const actual = has ? parseInt64(value ?? '') : undefined;
      const bound = r.values.length === 1 ? parseInt64(r.values[0] ?? '') : undefined;
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

function requirementString(r: LabelRequirement): string {
  switch (r.operator) {
    case 'exists': return r.key;
    case '!': return `!${r.key}`;
    case 'in': case 'notin': return `${r.key} ${r.operator} (${[...r.values].sort().join(',')})`;
    case 'gt': return `${r.key}>${r.values.join(',')}`;
    case 'lt': return `${r.key}<${r.values.join(',')}`;
    default: return `${r.key}${r.operator}${[...r.values].sort().join(',')}`;
  }
}

function selectorOf(requirements: LabelRequirement[]): LabelSelector {
  // Sorted by key (stable), as upstream sorts to make parsing deterministic.
  const sorted = Object.freeze([...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  return Object.freeze({
    empty: sorted.length === 0,
    requirements: sorted,
    matches: (labels: Readonly<Record<string, string>> | undefined) => sorted.every((r) => requirementMatches(r, labels ?? {})),
    toString: () => sorted.map(requirementString).join(','),
  });
}

/** A selector that matches everything (what an empty labelSelector means). */
export const everything: LabelSelector = selectorOf([]);

/** A selector that matches nothing (what a nil metav1.LabelSelector means). */
export const nothing: LabelSelector = Object.freeze({
  empty: false,
  requirements: Object.freeze([]),
  matches: () => false,
  toString: () => '',
});

// ---- lexer (labels.Lexer): bytes in Go, UTF-16 units here; the special characters are ASCII either way.

const enum Tok { Error, EndOfString, ClosedPar, Comma, DoesNotExist, DoubleEquals, Equals, GreaterThan, Identifier, In, LessThan, NotEquals, NotIn, OpenPar }

const string2token: Record<string, Tok> = {
  ')': Tok.ClosedPar, ',': Tok.Comma, '!': Tok.DoesNotExist, '==': Tok.DoubleEquals, '=': Tok.Equals, '>': Tok.GreaterThan,
  in: Tok.In, '<': Tok.LessThan, '!=': Tok.NotEquals, notin: Tok.NotIn, '(': Tok.OpenPar,
};
const tokenOf = (s: string): Tok | undefined => (Object.prototype.hasOwnProperty.call(string2token, s) ? string2token[s] : undefined);

interface Item { tok: Tok; literal: string }

const isWhitespace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
// = ! ( ) , > <
const isSpecialSymbol = (c: number) => c === 0x3d || c === 0x21 || c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3e || c === 0x3c;

/**
 * labels.Lexer over the whole text, in one pass: identifiers are sliced, not built a character at a time.
 * Go's read() yields byte 0 at the end of input, so a NUL character ends the text there too.
 */
function lex(s: string): Item[] {
  const end = s.indexOf('\0') === -1 ? s.length : s.indexOf('\0');
  let pos = 0;
  const items: Item[] = [];
  for (;;) {
    while (pos < end && isWhitespace(s.charCodeAt(pos))) pos++;
    let item: Item;
    if (pos >= end) {
      item = { tok: Tok.EndOfString, literal: '' };
    } else if (isSpecialSymbol(s.charCodeAt(pos))) {
      // Longest run of special characters that is still a token ("!=" not "!" then "=").
      const start = pos;
      let last: Item | undefined;
      while (pos < end && isSpecialSymbol(s.charCodeAt(pos))) {
        const tok = tokenOf(s.slice(start, pos + 1));
        if (tok !== undefined) last = { tok, literal: s.slice(start, pos + 1) };
        else if (last) break;
        pos++;
      }
      item = last ?? { tok: Tok.Error, literal: `error expected: keyword found '${s.slice(start, pos)}'` };
    } else {
      const start = pos;
      while (pos < end && !isSpecialSymbol(s.charCodeAt(pos)) && !isWhitespace(s.charCodeAt(pos))) pos++;
      const literal = s.slice(start, pos);
      item = { tok: tokenOf(literal) ?? Tok.Identifier, literal };
    }
    items.push(item);
    if (item.tok === Tok.EndOfString) return items;
  }
}

// ---- parser (labels.Parser): same states, same messages.

const enum Context { KeyAndOperator, Values }

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  private at(index: number, context: Context): Item {
    const item = this.items[Math.min(index, this.items.length - 1)] ?? { tok: Tok.EndOfString, literal: '' };
    // In a values context "in" and "notin" are ordinary words: `x in (in)`.
    if (context === Context.Values && (item.tok === Tok.In || item.tok === Tok.NotIn)) return { tok: Tok.Identifier, literal: item.literal };
    return item;
  }
  private lookahead(context: Context): Item { return this.at(this.position, context); }
  private consume(context: Context): Item { return this.at(this.position++, context); }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead(Context.Values);
      switch (tok) {
        case Tok.Identifier: case Tok.DoesNotExist: {
          try {
            requirements.push(this.parseRequirement());
          } catch (err) {
            throw new SelectorError(`unable to parse requirement: ${(err as Error).message}`);
          }
          const next = this.consume(Context.Values);
          if (next.tok === Tok.EndOfString) return requirements;
          if (next.tok !== Tok.Comma) throw new SelectorError(`found '${next.literal}', expected: ',' or 'end of string'`);
          const after = this.lookahead(Context.Values);
          if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
            throw new SelectorError(`found '${after.literal}', expected: identifier after ','`);
          }
          break;
        }
        case Tok.EndOfString:
          return requirements;
        default:
          throw new SelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    // sets.String.List(): unique and sorted, which is also the index order of value errors.
    return newRequirement(key, operator, [...values].sort());
  }

  private parseKeyAndInferOperator(): { key: string; operator?: LabelOperator } {
    let operator: LabelOperator | undefined;
    let item = this.consume(Context.Values);
    if (item.tok === Tok.DoesNotExist) {
      operator = '!';
      item = this.consume(Context.Values);
    }
    if (item.tok !== Tok.Identifier) throw new SelectorError(`found '${item.literal}', expected: identifier`);
    const keyErrs = isQualifiedName(item.literal);
    // Upstream validates with a nil field path here, hence the literal "<nil>".
    if (keyErrs.length) throw new SelectorError(fieldInvalid('<nil>', item.literal, keyErrs.join('; ')));
    const next = this.lookahead(Context.Values).tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && operator !== '!') operator = 'exists';
    return { key: item.literal, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, literal } = this.consume(Context.KeyAndOperator);
    switch (tok) {
      case Tok.In: return 'in';
      case Tok.Equals: return '=';
      case Tok.DoubleEquals: return '==';
      case Tok.GreaterThan: return 'gt';
      case Tok.LessThan: return 'lt';
      case Tok.NotIn: return 'notin';
      case Tok.NotEquals: return '!=';
      default: throw new SelectorError(`found '${literal}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(Context.Values);
    if (open.tok !== Tok.OpenPar) throw new SelectorError(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.lookahead(Context.Values);
    switch (tok) {
      case Tok.Identifier: case Tok.Comma: {
        const values = this.parseIdentifiersList();
        // Upstream reports the token seen before the list here, not the one that failed.
        if (this.consume(Context.Values).tok !== Tok.ClosedPar) throw new SelectorError(`found '${literal}', expected: ')'`);
        return values;
      }
      case Tok.ClosedPar:
        this.consume(Context.Values);
        return new Set(['']);
      default:
        throw new SelectorError(`found '${literal}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { tok, literal } = this.consume(Context.Values);
      if (tok === Tok.Identifier) {
        values.add(literal);
        const next = this.lookahead(Context.Values);
        if (next.tok === Tok.Comma) continue;
        if (next.tok === Tok.ClosedPar) return values;
        throw new SelectorError(`found '${next.literal}', expected: ',' or ')'`);
      } else if (tok === Tok.Comma) {
        // Empty members are the empty string: "(,a)", "(a,)", "(a,,b)".
        if (values.size === 0) values.add('');
        const next = this.lookahead(Context.Values).tok;
        if (next === Tok.ClosedPar) {
          values.add('');
          return values;
        }
        if (next === Tok.Comma) {
          this.consume(Context.Values);
          values.add('');
        }
      } else {
        throw new SelectorError(`found '${literal}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead(Context.Values).tok;
    if (next === Tok.EndOfString || next === Tok.Comma) return new Set(['']);
    const { tok, literal } = this.consume(Context.Values);
    if (tok === Tok.Identifier) return new Set([literal]);
    throw new SelectorError(`found '${literal}', expected: identifier`);
  }
}

/**
 * The longest `labelSelector` text we parse, in bytes. Upstream's only bound is the 1 MiB of request line and
 * headers Go's HTTP server reads (ours reads as much); a selector of that size is half a million requirements,
 * far beyond any real query and hundreds of milliseconds of parsing. 32 KiB (twice what common proxies let
 * through in a URL) still holds thousands of terms or a set of hundreds of names, and its worst case (16384
 * requirements) parses in about 5 ms.
 */
export const MAX_SELECTOR_LENGTH = 32 * 1024;

/**
 * Parses a `labelSelector` query value. The empty string selects everything.
 * @throws StatusError 400 BadRequest with apimachinery's message (e.g. `unable to parse requirement: …`).
 */
export function parseLabelSelector(text: string): LabelSelector {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SELECTOR_LENGTH) throw badRequest(`label selector is too long: ${bytes} bytes, at most ${MAX_SELECTOR_LENGTH}`);
  try {
    return selectorOf(new Parser(lex(text)).parse());
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

const metaOperators: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: a nil selector matches nothing, an empty one everything (callers that
 * want "nil means all", like webhook namespaceSelectors, must check for nil themselves).
 * @throws StatusError 400 BadRequest with upstream's message for an invalid key, value or operator.
 */
export function labelSelectorAsSelector(selector: MetaLabelSelector | null | undefined): LabelSelector {
  if (!selector) return nothing;
  const requirements: LabelRequirement[] = [];
  try {
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) requirements.push(newRequirement(key, '=', [value]));
    for (const expr of selector.matchExpressions ?? []) {
      const operator = Object.prototype.hasOwnProperty.call(metaOperators, expr.operator) ? metaOperators[expr.operator] : undefined;
      // Decoded, so not necessarily a string whatever the type says.
      const operatorGiven: unknown = expr.operator;
      if (!operator) throw new SelectorError(`${goQuote(String(operatorGiven))} is not a valid label selector operator`);
      // The values come from a decoded object: only a list of strings is one (Go's decoder would have refused it).
      const values: unknown = expr.values ?? [];
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
        throw new SelectorError(`values: Invalid value: ${jsonOrNull(values)}: must be a list of strings`);
      }
      requirements.push(newRequirement(expr.key, operator, [...(values as string[])]));
    }
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
  return selectorOf(requirements);
}
