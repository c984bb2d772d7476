import { StatusError } from '../../storage/apimachinery/errors.js';
import {
  MAX_SELECTOR_LENGTH, labelSelectorAsSelector, parseLabelSelector,
} from '../../storage/apimachinery/label-selector.js';
import type { MetaLabelSelector } from '../../storage/apimachinery/label-selector.js';

const nameRegexError = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
  + "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRegexError = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end "
  + "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
  + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const subdomainRegexError = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
  + "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
  + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** The 400 a parse throws, or undefined. */
function parseError(text: string): StatusError | undefined {
  try {
    parseLabelSelector(text);
    return undefined;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
}

describe('parseLabelSelector grammar', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['a=b', [['a', '=', ['b']]]],
    ['a==b', [['a', '==', ['b']]]],
    ['a!=b', [['a', '!=', ['b']]]],
    ['a', [['a', 'exists', []]]],
    ['!a', [['a', '!', []]]],
    ['a in (x,y)', [['a', 'in', ['x', 'y']]]],
    ['a notin (x)', [['a', 'notin', ['x']]]],
    ['k>1', [['k', 'gt', ['1']]]],
    ['k<10', [['k', 'lt', ['10']]]],
    ['a=', [['a', '=', ['']]]],
    ['a=,b', [['a', '=', ['']], ['b', 'exists', []]]],
    // Whitespace anywhere between tokens, including tabs and newlines.
    ['  a  =  b , ! c ,\td\tin\t( x , y )\n', [['a', '=', ['b']], ['c', '!', []], ['d', 'in', ['x', 'y']]]],
    // Upstream's own example: empty members are the empty string, values are unique and sorted.
    ['x in (foo,,baz),y,z notin ()', [['x', 'in', ['', 'baz', 'foo']], ['y', 'exists', []], ['z', 'notin', ['']]]],
    ['x in (,a)', [['x', 'in', ['', 'a']]]],
    ['x in (a,)', [['x', 'in', ['', 'a']]]],
    ['x in (b,a,b)', [['x', 'in', ['a', 'b']]]],
    // "in" and "notin" are keywords only where an operator is expected.
    ['in in (in,notin)', [['in', 'in', ['in', 'notin']]]],
    ['notin', [['notin', 'exists', []]]],
    // Requirements come back sorted by key (stably), whatever the input order.
    ['z=1,a=2,m', [['a', '=', ['2']], ['m', 'exists', []], ['z', '=', ['1']]]],
    ['k>1,k<5', [['k', 'gt', ['1']], ['k', 'lt', ['5']]]],
    ['example.com/role=web', [['example.com/role', '=', ['web']]]],
    ['a.b-c_d=A.b-C_1', [['a.b-c_d', '=', ['A.b-C_1']]]],
    [`k=${'v'.repeat(63)}`, [['k', '=', ['v'.repeat(63)]]]],
  ])('%j parses', (text, expected) => {
    const selector = parseLabelSelector(text);
    expect(selector.requirements.map((r) => [r.key, r.operator, [...r.values]])).toEqual(expected);
    expect(selector.empty).toBe(expected.length === 0);
  });

  it.each([
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['b in (y,x),!a', '!a,b in (x,y)'],
    ['k>1,j', 'j,k>1'],
  ])('%j prints canonically as %j', (text, canonical) => {
    expect(parseLabelSelector(text).toString()).toBe(canonical);
  });
});

describe('parseLabelSelector errors (apimachinery wording)', () => {
  it.each([
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,=b', "found '=', expected: identifier after ','"],
    [')', "found ')', expected: !, identifier, or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a==b==c', "found '==', expected: ',' or 'end of string'"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in (a,', "unable to parse requirement: found '', expected: ',', or identifier"],
    ['x in ((', "unable to parse requirement: found '(', expected: ',', ')' or identifier"],
    ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": name part ${nameRegexError}`],
    ['/a', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
    ['a/', `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; name part ${nameRegexError}`],
    ['A.b/c', `unable to parse requirement: <nil>: Invalid value: "A.b/c": prefix part ${subdomainRegexError}`],
    ['a/b/c', `unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key ${nameRegexError}`
      + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
    ['k'.repeat(64), `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 bytes`],
    ['a=-b', `unable to parse requirement: values[0][a]: Invalid value: "-b": ${valueRegexError}`],
    [`a=${'v'.repeat(64)}`, `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 bytes`],
    // Value errors are indexed in sorted order.
    ['a in (z,-y)', `unable to parse requirement: values[0][a]: Invalid value: "-y": ${valueRegexError}`],
    ['a in (-z,-y)', `unable to parse requirement: [values[0][a]: Invalid value: "-y": ${valueRegexError}, `
      + `values[1][a]: Invalid value: "-z": ${valueRegexError}]`],
    ['x>a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x<1.5', `unable to parse requirement: values[0]: Invalid value: "1.5": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x>99999999999999999999', 'unable to parse requirement: values[0]: Invalid value: "99999999999999999999": '
      + "for 'Gt', 'Lt' operators, the value must be an integer"],
    // A negative bound is an integer but not a label value.
    ['x>-1', `unable to parse requirement: values[0][x]: Invalid value: "-1": ${valueRegexError}`],
  ])('%j → 400 %j', (text, message) => {
    const err = parseError(text);
    expect(err).toBeInstanceOf(StatusError);
    expect(err?.toStatus()).toMatchObject({ code: 400, reason: 'BadRequest', message });
  });
});

describe('LabelSelector.matches', () => {
  const labels = { app: 'web', tier: 'front', n: '5', bad: 'x', empty: '' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['missing=x', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (db,web)', true],
    ['app in (db)', false],
    ['missing in (x)', false],
    ['app notin (db)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['empty', true],
    ['empty=', true],
    ['empty in ()', true],
    ['n>4', true],
    ['n>5', false],
    ['n<6', true],
    ['n<5', false],
    ['bad>1', false],
    ['bad<1', false],
    ['missing>1', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
  ])('%j matches %j', (text, expected) => {
    expect(parseLabelSelector(text).matches(labels)).toBe(expected);
  });

  it('treats missing labels as none', () => {
    expect(parseLabelSelector('!a').matches(undefined)).toBe(true);
    expect(parseLabelSelector('a').matches(undefined)).toBe(false);
    expect(parseLabelSelector('').matches(undefined)).toBe(true);
  });

  it('does not see inherited properties as labels', () => {
    expect(parseLabelSelector('constructor').matches({})).toBe(false);
    expect(parseLabelSelector('!toString').matches({})).toBe(true);
  });

  it('compares Gt/Lt as 64-bit integers, not floats', () => {
    expect(parseLabelSelector('n>9007199254740992').matches({ n: '9007199254740993' })).toBe(true);
  });
});

describe('labelSelectorAsSelector (metav1.LabelSelector)', () => {
  it.each([
    ['nil', undefined, { empty: false, matchesAny: false }],
    ['null', null, { empty: false, matchesAny: false }],
    ['empty', {}, { empty: true, matchesAny: true }],
    ['empty lists', { matchLabels: {}, matchExpressions: [] }, { empty: true, matchesAny: true }],
  ])('%s selector', (_name, selector, expected) => {
    const s = labelSelectorAsSelector(selector);
    expect(s.empty).toBe(expected.empty);
    expect(s.matches({ a: 'b' })).toBe(expected.matchesAny);
    expect(s.matches({})).toBe(expected.matchesAny);
  });

  it.each([
    [{ matchLabels: { a: 'b' } }, { a: 'b' }, true],
    [{ matchLabels: { a: 'b' } }, { a: 'c' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['b', 'c'] }] }, { a: 'c' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['b'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
    [{ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'Exists' }] }, { a: 'b' }, false],
  ])('%j against %j is %j', (selector, labels, expected) => {
    expect(labelSelectorAsSelector(selector).matches(labels)).toBe(expected);
  });

  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, '"Gt" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'In' }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist'],
    [{ matchLabels: { '-a': 'b' } }, `key: Invalid value: "-a": name part ${nameRegexError}`],
    [{ matchLabels: { a: '-b' } }, `values[0][a]: Invalid value: "-b": ${valueRegexError}`],
  ])('%j → 400 %j', (selector, message) => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- jest types its asymmetric matchers as any
    expect(() => labelSelectorAsSelector(selector)).toThrow(expect.objectContaining({ code: 400, reason: 'BadRequest', message }));
  });
});

// Findings of "Hardening I": a selector is request data; its cost must be linear and bounded, whatever its shape.
describe('hostile selectors', () => {
  const MiB3 = 3 * 1024 * 1024;
  const tooLong = (n: number) => `label selector is too long: ${n} bytes, at most ${MAX_SELECTOR_LENGTH}`;

  it.each([
    ['one identifier', 'a'.repeat(MiB3)],
    ['many requirements', `${'a,'.repeat(MiB3 / 2 - 1)}ab`],
    ['a long set', `a in (${'b,'.repeat(MiB3 / 2 - 4)}b)`],
    ['operators', '='.repeat(MiB3)],
    ['blanks', ' '.repeat(MiB3)],
  ])('refuses 3 MiB of %s with a 400 before parsing', (_shape, text) => {
    expect(text.length).toBe(MiB3);
    expect(parseError(text)?.toStatus()).toMatchObject({ code: 400, reason: 'BadRequest', message: tooLong(MiB3) });
  });

  it('counts UTF-8 bytes, as Go does', () => {
    const text = `a in (${'é'.repeat(MAX_SELECTOR_LENGTH / 2)})`;
    expect(parseError(text)?.toStatus().message).toBe(tooLong(Buffer.byteLength(text)));
  });

  it('parses selectors up to the bound exactly', () => {
    const keys = Array.from({ length: Math.floor(MAX_SELECTOR_LENGTH / 8) }, (_, i) => `k${i.toString().padStart(6, '0')}`);
    const text = keys.join(',');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SELECTOR_LENGTH);
    const selector = parseLabelSelector(text);
    expect(selector.requirements.map((r) => r.key)).toEqual(keys);
    expect(selector.matches(Object.fromEntries(keys.map((k) => [k, 'x'])))).toBe(true);
  });

  it('reports a long key or value within the bound in upstream words', () => {
    const key = `${'a.'.repeat(2000)}a/${'b'.repeat(100)}`;
    const message = parseError(`${key}=v`)?.toStatus().message ?? '';
    expect(message).toContain('prefix part must be no more than 253 bytes');
    expect(message).toContain('name part must be no more than 63 bytes');
    expect(parseError(`a=${'-'.repeat(10000)}`)?.toStatus().message).toContain(`must be no more than 63 bytes; ${valueRegexError}`);
  });

  it('treats constructor and prototype as plain label keys, and __proto__ as an invalid one', () => {
    const labels = JSON.parse('{"__proto__":"x","constructor":"y","prototype":""}') as Record<string, string>;
    expect(parseLabelSelector('constructor=y,prototype').matches(labels)).toBe(true);
    expect(parseLabelSelector('constructor').matches({})).toBe(false);
    expect(parseLabelSelector('!constructor,toString notin (a)').matches({})).toBe(true);
    expect(parseError('__proto__=x')?.toStatus().message).toBe(`unable to parse requirement: <nil>: Invalid value: "__proto__": name part ${nameRegexError}`);
    const meta = labelSelectorAsSelector(JSON.parse('{"matchLabels":{"constructor":"y"},"matchExpressions":[{"key":"prototype","operator":"Exists"}]}') as MetaLabelSelector);
    expect(meta.toString()).toBe('constructor=y,prototype');
    expect(meta.matches(labels)).toBe(true);
    expect(meta.matches({})).toBe(false);
    expect(() => labelSelectorAsSelector(JSON.parse('{"matchLabels":{"__proto__":"x"}}') as MetaLabelSelector)).toThrow(/__proto__/);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('labelSelectorAsSelector on untyped data', () => {
  it('refuses values that are not a list of strings with a 400 instead of spreading them', () => {
    for (const values of ['abc', 5, [1], { length: 2 }]) {
      const selector = { matchExpressions: [{ key: 'a', operator: 'In', values }] } as unknown as MetaLabelSelector;
      // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- jest types its asymmetric matchers as any
      expect(() => labelSelectorAsSelector(selector)).toThrow(expect.objectContaining({ code: 400 }));
    }
  });
});
