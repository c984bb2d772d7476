/**
 * Go regular expressions (regexp/syntax with Perl flags, RE2 semantics), as Kiosk's
 * `regexp.MatchString(parameter.Validation, value)` reads them, on re2js: a port of Go's parser and of RE2's
 * matchers, so the syntax, the error texts and the results are Go's, and matching is linear in the value
 * (no backtracking: `^(a+)+$` costs what `^a+$` costs).
 *
 * Linear is not free: the cost still grows with the program size times the value length, and compiling a
 * huge pattern or class takes long. That is why the controller runs matches on a worker thread with a
 * deadline (go-regexp-worker.ts); these functions are what that thread runs.
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';

/** `error parsing regexp: <code>: \`<expr>\``, as regexp/syntax.Error prints. */
export class GoRegexpError extends Error {
  constructor(readonly code: string, readonly expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'GoRegexpError';
  }
}

/**
 * The longest pattern compiled, in UTF-16 code units. Go has no such limit (only its program-size limit,
 * "expression too large", which re2js shares), but compiling is not linear in every pattern: a 30 KiB
 * class of Unicode properties takes seconds. Validation patterns are a line long in practice.
 */
export const MAX_PATTERN_LENGTH = 16 * 1024;

/**
 * The longest value matched, in UTF-16 code units. Go has no such limit either; a parameter value is meant
 * to be a name, a size, an address, and an object holding a 1 MiB value is near etcd's limit anyway.
 */
export const MAX_VALUE_LENGTH = 1024 * 1024;

/** Thrown for a value over MAX_VALUE_LENGTH (not a Go error: Go would match it). */
export class GoRegexpValueTooLongError extends Error {
  constructor(readonly length: number) {
    super(`the value is ${length} characters long, more than the ${MAX_VALUE_LENGTH} a validated value may have`);
    this.name = 'GoRegexpValueTooLongError';
  }
}

/**
 * Go reads strings as UTF-8, where a lone surrogate cannot exist: encoding/json decodes one as U+FFFD, so
 * Kiosk's MatchString sees U+FFFD where a JavaScript string may still hold the surrogate.
 */
const LONE_SURROGATE = /\p{Surrogate}/gu;
const asGoString = (text: string) => text.replace(LONE_SURROGATE, '\uFFFD');

const DUPLICATE_NAME = 'duplicate capture group name';

/**
 * The pattern with every named group renamed `g1`, `g2`, ... in order. Go accepts a name used twice
 * (`(?P<n>a)|(?P<n>b)`), re2js does not, and names never change what matches. Skips what the parser
 * skips: escapes, `\Q...\E`, and classes (a leading `]` and `[:name:]` inside them included).
 */
function withUniqueGroupNames(pattern: string): string {
  let out = '';
  let copied = 0;
  let count = 0;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        i = end < 0 ? pattern.length : end + 2;
      } else {
        i += 2;
      }
    } else if (c === '[') {
      i += pattern[i + 1] === '^' ? 2 : 1;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') {
        if (pattern[i] === '\\') {
          i += 2;
        } else if (pattern.startsWith('[:', i)) {
          const end = pattern.indexOf(':]', i + 2);
          i = end < 0 ? i + 1 : end + 2;
        } else {
          i++;
        }
      }
      i++;
    } else if (pattern.startsWith('(?P<', i) || pattern.startsWith('(?<', i)) {
      const begin = i + (pattern[i + 2] === 'P' ? 4 : 3);
      const end = pattern.indexOf('>', begin);
      if (end < 0) break;
      out += `${pattern.slice(copied, begin)}g${++count}`;
      copied = end;
      i = end + 1;
    } else {
      i++;
    }
  }
  return out + pattern.slice(copied);
}

/** Compiles a Go regexp (regexp.Compile). Throws GoRegexpError with Go's message. */
export function compileGoRegexp(pattern: string): RE2JS {
  const source = asGoString(pattern);
  // Go names the whole expression for this one; so does the length limit standing in for it.
  if (source.length > MAX_PATTERN_LENGTH) throw new GoRegexpError('expression too large', source);
  let renamed: string | undefined;
  try {
    try {
      return RE2JS.compile(source);
    } catch (err) {
      if (!(err instanceof RE2JSSyntaxException && err.error === DUPLICATE_NAME)) throw err;
      renamed = withUniqueGroupNames(source);
      return RE2JS.compile(renamed);
    }
  } catch (err) {
    if (!(err instanceof RE2JSSyntaxException)) throw err;
    // re2js leaves out the expression where Go prints the empty one (a trailing backslash) or the whole
    // pattern (nesting too deep); and the whole pattern is the one the caller gave, not our renaming.
    const input = err.input === renamed ? source : err.input;
    const expr = input ?? (err.error.startsWith('trailing backslash') ? '' : source);
    throw new GoRegexpError(err.error, expr);
  }
}

/**
 * regexp.MatchString: does `pattern` match anywhere in `value` (unanchored unless the pattern anchors)?
 * Throws GoRegexpError for an invalid pattern and GoRegexpValueTooLongError past MAX_VALUE_LENGTH.
 * Synchronous and CPU-bound: see go-regexp-worker.ts for the event-loop-safe way to call it.
 */
export function matchesGoRegexp(pattern: string, value: string): boolean {
  const re = compileGoRegexp(pattern);
  if (value.length > MAX_VALUE_LENGTH) throw new GoRegexpValueTooLongError(value.length);
  return re.test(asGoString(value));
}
