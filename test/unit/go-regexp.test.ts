import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  compileGoRegexp, GoRegexpError, GoRegexpValueTooLongError, matchesGoRegexp, MAX_PATTERN_LENGTH, MAX_VALUE_LENGTH,
} from '../../storage/apimachinery/go-regexp/go-regexp.js';
import { GoRegexpUndecidedError, GoRegexpWorker } from '../../storage/apimachinery/go-regexp/worker.js';
import { GO_ANSWERS } from './go-regexp-answers.js';

/** What matchesGoRegexp says, in GO_ANSWERS' terms: the match, or the error text. */
function answer(pattern: string, value: string): boolean | string {
  try {
    return matchesGoRegexp(pattern, value);
  } catch (err) {
    if (err instanceof GoRegexpError) return err.message;
    throw err;
  }
}

function compileError(pattern: string): GoRegexpError {
  try {
    compileGoRegexp(pattern);
  } catch (err) {
    if (err instanceof GoRegexpError) return err;
    throw err;
  }
  throw new Error(`expected ${pattern} to fail`);
}

describe('Go regexp semantics', () => {
  it.each(GO_ANSWERS)('%j on %j is what Go says: %j', (pattern, value, expected) => {
    expect(answer(pattern, value)).toEqual(expected);
  });

  it.each([
    ['b', 'abc', true],
    ['^b', 'abc', false],
    ['(?i)^ABC$', 'abc', true],
    ['(?s)^a.c$', 'a\nc', true],
    ['^a.c$', 'a\rc', true],
    ['(?m)^b$', 'a\nb', true],
    ['\\Aabc\\z', 'abc\n', false],
    ['abc$', 'abc\n', false],
    ['[[:digit:]]+', 'x1', true],
    ['[]a]', ']', true],
    ['[^]a]', 'b', true],
    ['[\\[]', '[', true],
    ['\\Q.*\\E', 'a.*', true],
    ['\\Q.*\\E', 'ab', false],
    ['(?P<n>a)b', 'ab', true],
    ['(?<n>a)b', 'ab', true],
    ['\\pL', 'é', true],
    ['\\p{Greek}', 'α', true],
    ['\\pL\\-', 'a-', true],
    ['\\x{41}', 'A', true],
    ['a{2}', 'aa', true],
    ['^.$', '😀', true],
    ['(?i)k', '\u212a', true],
    // Go accepts a group name used twice; names do not change what matches.
    ['(?P<n>a)(?P<n>b)', 'ab', true],
    ['[(?P<n>]x(?P<n>a)(?P<n>b)', '(xab', true],
    // A lone surrogate is U+FFFD to Go, which never sees one.
    ['^\\x{FFFD}$', '\ud800', true],
  ])('%s on %j is %s', (pattern, value, matches) => {
    expect(matchesGoRegexp(pattern, value)).toBe(matches);
  });

  it.each([
    ['(abc', 'missing closing )', '(abc'],
    ['abc)', 'unexpected )', 'abc)'],
    ['[abc', 'missing closing ]', '[abc'],
    ['*a', 'missing argument to repetition operator', '*'],
    ['a**', 'invalid nested repetition operator', '**'],
    ['[z-a]', 'invalid character class range', 'z-a'],
    ['a{3,1}', 'invalid repeat count', '{3,1}'],
    ['a{1001}', 'invalid repeat count', '{1001}'],
    // Go refuses stacked repetitions before it counts them, and counts nested ones as a product.
    ['a{1000}{1000}', 'invalid nested repetition operator', '{1000}{1000}'],
    ['(a{1000}){1000}', 'invalid repeat count', '{1000}'],
    ['((a{100}){10}){2}', 'invalid repeat count', '{2}'],
    ['\\8', 'invalid escape sequence', '\\8'],
    ['\\e', 'invalid escape sequence', '\\e'],
    ['a\\C', 'invalid escape sequence', '\\C'],
    ['(a)\\1', 'invalid escape sequence', '\\1'],
    ['(?!a)', 'invalid or unsupported Perl syntax', '(?!'],
    ['^(?=a)', 'invalid or unsupported Perl syntax', '(?='],
    ['(?<=a)b', 'invalid named capture', '(?<=a)b'],
    ['\\', 'trailing backslash at end of expression', ''],
    ['\\pX', 'invalid character class range', '\\pX'],
    ['\\x{110000}', 'invalid escape sequence', '\\x{110000'],
    ['(?P<n>a)(?P<n>b', 'missing closing )', '(?P<n>a)(?P<n>b'],
  ])('%s fails with %s', (pattern, code, expr) => {
    expect(compileError(pattern).message).toBe(`error parsing regexp: ${code}: \`${expr}\``);
  });

  it('refuses nesting deeper than 1000 and programs too large, naming the whole pattern as Go does', () => {
    const deep = `${'('.repeat(1001)}a${')'.repeat(1001)}`;
    expect(compileError(deep).message).toBe(`error parsing regexp: expression nests too deeply: \`${deep}\``);
    const large = Array.from({ length: 4000 }, (_, i) => `b${i}a{1000}`).join('|');
    expect(compileError(large).code).toBe('expression too large');
  });
});

describe('linear-time matching', () => {
  // Each of these takes a backtracking engine exponential time in the value's length.
  it.each([
    ['^(a+)+$', `${'a'.repeat(33)}!`, false],
    ['^(a+)+$', 'a'.repeat(33), true],
    ['(a|a)*b', 'a'.repeat(10_000), false],
    ['(a|aa)+$', `${'a'.repeat(10_000)}b`, false],
    ['(a*)*$', 'a'.repeat(10_000), true],
    ['^(a*)*$', `${'a'.repeat(10_000)}b`, false],
    ['(x+x+)+y', 'x'.repeat(10_000), false],
    ['(x+x+)+y', `${'x'.repeat(10_000)}y`, true],
    ['((a*)*)*b', 'a'.repeat(10_000), false],
    ['^(([a-z])+.)+[A-Z]([a-z])+$', `${'a'.repeat(10_000)}!`, false],
    ['^(\\w+\\s?)*$', `${'word '.repeat(2_000)}!`, false],
    ['(.*a){12}', `${'a'.repeat(11)}${'b'.repeat(10_000)}`, false],
    ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', `${'a'.repeat(100_000)}-`, false],
  ])('%s on %d characters decides %s', (pattern, value, matches) => {
    expect(matchesGoRegexp(pattern, value)).toBe(matches);
  });
});

describe('size limits', () => {
  it('compiles a pattern up to MAX_PATTERN_LENGTH and refuses a longer one as too large', () => {
    expect(matchesGoRegexp('a'.repeat(MAX_PATTERN_LENGTH), 'a'.repeat(MAX_PATTERN_LENGTH))).toBe(true);
    expect(compileError('a'.repeat(MAX_PATTERN_LENGTH + 1)).code).toBe('expression too large');
  });

  it('matches a value up to MAX_VALUE_LENGTH and refuses a longer one', () => {
    expect(matchesGoRegexp('b$', `${'a'.repeat(MAX_VALUE_LENGTH - 1)}b`)).toBe(true);
    expect(() => matchesGoRegexp('b$', 'a'.repeat(MAX_VALUE_LENGTH + 1))).toThrow(GoRegexpValueTooLongError);
  });
});

describe('GoRegexpWorker', () => {
  let worker: GoRegexpWorker;
  afterEach(() => worker.close());

  it('answers as matchesGoRegexp does, from its thread', async () => {
    worker = new GoRegexpWorker();
    const sample = GO_ANSWERS.filter((_, i) => i % 7 === 0);
    const answers = await Promise.all(sample.map(([p, v]) => worker.match(p, v).catch((err: unknown) => (err as Error).message)));
    expect(answers).toEqual(sample.map(([, , expected]) => expected));
  });

  it('rejects with GoRegexpError and GoRegexpValueTooLongError as the inline matcher throws them', async () => {
    worker = new GoRegexpWorker();
    const err = await worker.match('(abc', 'abc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoRegexpError);
    expect(err).toMatchObject({ code: 'missing closing )', expr: '(abc', message: 'error parsing regexp: missing closing ): `(abc`' });
    await expect(worker.match('a', 'a'.repeat(MAX_VALUE_LENGTH + 1))).rejects.toBeInstanceOf(GoRegexpValueTooLongError);
  });

  it('keeps the event loop turning while a costly match runs, stops it at the deadline, and goes on', async () => {
    worker = new GoRegexpWorker({ deadlineMs: 1000 });
    // Many seconds of work for re2js (its DFA keeps giving up on 5,000-instruction states): 16,000 characters
    // took 1.5 to 12 s depending on load, 256,000 took 24 s.
    const costly = worker.match('(a?){1000}a{1000}', `${'a'.repeat(999)}b`.repeat(256));
    let turns = 0;
    let settled = false;
    void costly.catch(() => undefined).finally(() => { settled = true; });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set from another callback, which TypeScript's narrowing does not see
    while (!settled) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      turns++;
    }
    expect(turns).toBeGreaterThan(1);
    await expect(costly).rejects.toBeInstanceOf(GoRegexpUndecidedError);
    await expect(costly).rejects.toThrow('matching did not finish within 1s');
    await expect(worker.match('^(a+)+$', `${'a'.repeat(33)}!`)).resolves.toBe(false);
  });

  it('runs one match at a time, in order, and refuses more than maxQueued waiting', async () => {
    worker = new GoRegexpWorker({ maxQueued: 2 });
    const first = worker.match('a', 'a');
    const second = worker.match('b', 'a');
    const third = worker.match('c', 'c');
    await expect(worker.match('d', 'd')).rejects.toThrow('the regexp matcher has 2 matches waiting already');
    expect(await Promise.all([first, second, third])).toEqual([true, false, true]);
  });

  it('keeps the process alive while a match is in flight, and not after', async () => {
    worker = new GoRegexpWorker();
    // A process with nothing else to do: it must wait for the answer, then exit without a close().
    const script = `const { GoRegexpWorker } = await import(${JSON.stringify(new URL('../../storage/apimachinery/go-regexp/worker.js', import.meta.url).href)});
      console.log(await new GoRegexpWorker().match('^(a+)+$', 'a'.repeat(40)));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
    expect(stdout).toBe('true\n');
  });

  it('refuses what is running or waiting when closed, and everything after', async () => {
    worker = new GoRegexpWorker();
    const running = worker.match('(a?){1000}a{1000}', `${'a'.repeat(999)}b`.repeat(16));
    const waiting = worker.match('a', 'a');
    worker.close();
    await expect(running).rejects.toThrow('the regexp matcher is stopped');
    await expect(waiting).rejects.toThrow('the regexp matcher is stopped');
    await expect(worker.match('a', 'a')).rejects.toThrow('the regexp matcher is stopped');
  });
});
