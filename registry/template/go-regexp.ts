/**
 * Go (RE2) regular expressions, as Kiosk's `regexp.MatchString(parameter.Validation, value)` reads them,
 * translated to JavaScript: leading `(?flags)`, `\A`, `\z`, `\Q...\E`, `(?P<name>`, POSIX classes
 * (`[[:alpha:]]`), `\pL` / `\p{Greek}`, `\x{...}`, Perl `\s` (ASCII only), `.` not matching only `\n`, and a
 * `]` first in a class being literal. What RE2 refuses (backreferences, lookaround) is refused with Go's
 * wording; other syntax errors are mapped onto Go's error codes, best effort.
 *
 * Greediness (`U`) is dropped: it never changes whether a pattern matches, which is all MatchString asks.
 */

/** `error parsing regexp: <code>: \`<expr>\``, as regexp/syntax.Error prints. */
export class GoRegexpError extends Error {
  constructor(readonly code: string, readonly expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'GoRegexpError';
  }
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
const PERL_SPACE = '\\t\\n\\f\\r ';
/** Characters an escape may name under JavaScript's `u` flag (identity escapes). */
const U_SYNTAX = '^$\\.*+?()[]{}|/';

function escapeLiteral(text: string, inClass: boolean): string {
  return text.replace(inClass ? /[\\^$.*+?()[\]{}|/-]/g : /[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** The escapes RE2 knows; any other letter or digit after a backslash is an error there. */
const RE2_ESCAPES = new Set([...'abfnrtvxAbBCdDpPQEsSwWz01234567']);

/** `\p{X}`: general categories as they are, anything else a script, as RE2 means it. */
function unicodeProperty(negated: boolean, name: string): string {
  let neg = negated;
  let n = name;
  if (n.startsWith('^')) {
    neg = !neg;
    n = n.slice(1);
  }
  const property = /^[A-Z][a-z&]?$/.test(n) || n === 'Any' ? (n === 'Any' ? 'Any' : n.replace('&', '')) : `Script=${n}`;
  return `\\${neg ? 'P' : 'p'}{${property}}`;
}

function translate(pattern: string, start: number, dotAll: boolean, unicode: boolean): string {
  let out = '';
  let inClass = false;
  let classContent = -1;
  let i = start;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) throw new GoRegexpError('trailing backslash at end of expression', '');
      if (n === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        out += escapeLiteral(pattern.slice(i + 2, end < 0 ? pattern.length : end), inClass);
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (n === 'E') { // A stray \E is ignored by RE2.
        i += 2;
        continue;
      }
      if (/[A-Za-z0-9]/.test(n) && !RE2_ESCAPES.has(n)) throw new GoRegexpError('invalid escape sequence', `\\${n}`);
      if (/[1-7]/.test(n) && !/[0-7]/.test(pattern[i + 2] ?? '')) throw new GoRegexpError('invalid escape sequence', `\\${n}`);
      if (n === 'a') {
        out += '\\x07';
      } else if (n === 'C' && !inClass) {
        out += '[\\s\\S]';
      } else if (!inClass && n === 'A') {
        out += '(?<![\\s\\S])';
      } else if (!inClass && n === 'z') {
        out += '(?![\\s\\S])';
      } else if (n === 's') {
        out += inClass ? PERL_SPACE : `[${PERL_SPACE}]`;
      } else if (n === 'S' && !inClass) {
        out += `[^${PERL_SPACE}]`;
      } else if (n === 'p' || n === 'P') {
        const braced = /^\{([^}]*)\}/.exec(pattern.slice(i + 2));
        const name = braced ? braced[1]! : pattern[i + 2] ?? '';
        out += unicodeProperty(n === 'P', name);
        i += 2 + (braced ? braced[0].length : 1);
        continue;
      } else if (n === 'x' && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        const code = close < 0 ? NaN : parseInt(pattern.slice(i + 3, close), 16);
        if (!Number.isFinite(code) || code > 0x10ffff) throw new GoRegexpError('invalid escape sequence', pattern.slice(i, close + 1 || undefined));
        out += unicode ? `\\u{${code.toString(16)}}` : code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : escapeLiteral(String.fromCodePoint(code), inClass);
        i = close + 1;
        continue;
      } else if (unicode && /[!-/:-@[-`{-~]/.test(n) && !U_SYNTAX.includes(n) && !(inClass && n === '-')) {
        out += n; // RE2 lets any punctuation be escaped; JavaScript's `u` flag does not.
      } else {
        out += c + n;
      }
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
        if (posix && !posix[1] && POSIX_CLASSES[posix[2]!]) {
          out += POSIX_CLASSES[posix[2]!];
          i += posix[0].length;
          continue;
        }
      }
      if (c === ']') {
        if (out.length === classContent) {
          out += '\\]'; // RE2: a `]` first in a class is literal (JavaScript: `[]` is empty, `[^]` is anything).
        } else {
          out += ']';
          inClass = false;
        }
      } else {
        out += c === '[' ? '\\[' : c;
      }
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += pattern[i + 1] === '^' ? '[^' : '[';
      i += pattern[i + 1] === '^' ? 2 : 1;
      classContent = out.length;
      continue;
    }
    if (c === '.') {
      out += dotAll ? '[\\s\\S]' : '[^\\n]';
      i += 1;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 4;
        continue;
      }
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 3;
        continue;
      }
      if (/^<[A-Za-z_]/.test(rest)) {
        out += '(?<';
        i += 3;
        continue;
      }
      const flags = /^[imsU-]*/.exec(rest)![0];
      const after = rest[flags.length];
      if (after !== ')' && after !== ':') throw new GoRegexpError('invalid or unsupported Perl syntax', `(?${rest.slice(0, flags.length + 1)}`);
      // RE2 accepts inline flags anywhere; JavaScript (Node 20) has no inline modifiers.
      throw new GoRegexpError('inline flags are only supported at the start of the expression', `(?${rest.slice(0, flags.length + 1)}`);
    }
    out += c;
    i += 1;
  }
  return out;
}

const REPEAT = /\{(\d+)(?:,(\d*))?\}/g;

/** Maps a JavaScript RegExp SyntaxError onto RE2's error code and fragment. */
function goSyntaxError(pattern: string, err: Error): GoRegexpError {
  const reason = err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  if (/Unterminated group/.test(reason)) return new GoRegexpError('missing closing )', pattern);
  if (/Unmatched '\)'/.test(reason)) return new GoRegexpError('unexpected )', pattern);
  if (/Unterminated character class/.test(reason)) return new GoRegexpError('missing closing ]', pattern.slice(pattern.lastIndexOf('[')));
  if (/Nothing to repeat/.test(reason)) {
    const nested = /[*+?}]\??([*+]|\?(?=[*+?]))/.exec(pattern);
    const missing = /(?:^|[(|])([*+?]|\{\d+(?:,\d*)?\})/.exec(pattern);
    if (missing && (!nested || missing.index <= nested.index)) return new GoRegexpError('missing argument to repetition operator', missing[1]!);
    if (nested) return new GoRegexpError('invalid nested repetition operator', nested[0]);
    return new GoRegexpError('missing argument to repetition operator', pattern);
  }
  if (/Range out of order in character class/.test(reason)) {
    for (const m of pattern.matchAll(/([^\\[\]])-([^\\[\]])/g)) {
      if (m[1]! > m[2]!) return new GoRegexpError('invalid character class range', m[0]);
    }
    return new GoRegexpError('invalid character class range', pattern);
  }
  if (/numbers out of order in \{\} quantifier/.test(reason)) {
    for (const m of pattern.matchAll(REPEAT)) {
      if (m[2] && Number(m[2]) < Number(m[1])) return new GoRegexpError('invalid repeat count', m[0]);
    }
    return new GoRegexpError('invalid repeat count', pattern);
  }
  if (/Invalid (named )?(capture )?group/.test(reason)) return new GoRegexpError('invalid or unsupported Perl syntax', pattern);
  if (/Invalid escape|Invalid (property name|class escape)/.test(reason)) return new GoRegexpError('invalid escape sequence', pattern);
  return new GoRegexpError(reason.toLowerCase(), pattern);
}

/** Compiles a Go regexp for an unanchored match test (`regexp.MatchString`). Throws GoRegexpError. */
export function compileGoRegexp(pattern: string): RegExp {
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  const goFlags = lead?.[1] ?? '';
  const flags = ['i', 'm'].filter((f) => goFlags.includes(f)).join('');
  const unicode = /\\[pP]|\\x\{[0-9a-fA-F]{5,}\}/.test(pattern);
  for (const m of pattern.matchAll(REPEAT)) {
    if (Number(m[1]) > 1000 || (m[2] && Number(m[2]) > 1000)) throw new GoRegexpError('invalid repeat count', m[0]);
  }
  const source = translate(pattern, lead?.[0].length ?? 0, goFlags.includes('s'), unicode);
  try {
    return new RegExp(source, flags + (unicode ? 'u' : ''));
  } catch (err) {
    throw goSyntaxError(pattern, err as Error);
  }
}
