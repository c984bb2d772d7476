import {
  MAX_FIELD_SELECTOR_LENGTH, OBJECT_META_FIELDS, escapeFieldValue, parseFieldSelector,
} from '../../storage/apimachinery/field-selector.js';

const parse = (text: string) => parseFieldSelector(text, OBJECT_META_FIELDS);

describe('parseFieldSelector', () => {
  it.each([
    ['', []],
    [',', []],
    [',,', []],
    ['metadata.name=x', [['metadata.name', '=', 'x']]],
    ['metadata.name==x', [['metadata.name', '=', 'x']]],
    ['metadata.name!=x', [['metadata.name', '!=', 'x']]],
    ['metadata.name=', [['metadata.name', '=', '']]],
    // Terms are sorted by their raw text, as upstream sorts them.
    ['metadata.namespace=,metadata.name!=x', [['metadata.name', '!=', 'x'], ['metadata.namespace', '=', '']]],
    ['metadata.name=x,', [['metadata.name', '=', 'x']]],
    // Backslash escapes for "\", "," and "=" in values.
    ['metadata.name=a\\,b', [['metadata.name', '=', 'a,b']]],
    ['metadata.name=a\\=b', [['metadata.name', '=', 'a=b']]],
    ['metadata.name=a\\\\b', [['metadata.name', '=', 'a\\b']]],
    ['metadata.name!=a\\,b,metadata.namespace=c', [['metadata.name', '!=', 'a,b'], ['metadata.namespace', '=', 'c']]],
    // The first operator splits, "!=" before "==" before "=" at the same place.
    ['metadata.name!=\\=x', [['metadata.name', '!=', '=x']]],
    ['metadata.name==\\=x', [['metadata.name', '=', '=x']]],
  ])('%j parses', (text, expected) => {
    const selector = parse(text);
    expect(selector.requirements.map((r) => [r.field, r.operator, r.value])).toEqual(expected);
    expect(selector.empty).toBe(expected.length === 0);
  });

  it.each([
    ['spec.foo=1', '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['metadata.name =x', '"metadata.name " is not a known field selector: only "metadata.name", "metadata.namespace"'],
    // Parse errors win over unknown fields; among unknown fields the first in sorted order is named.
    ['z=1,spec.a=2', '"spec.a" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['spec.a=1,oops', "invalid selector: 'spec.a=1,oops'; can't understand 'oops'"],
    ['foo', "invalid selector: 'foo'; can't understand 'foo'"],
    ['metadata.name=a,b', "invalid selector: 'metadata.name=a,b'; can't understand 'b'"],
    ['metadata.name=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['metadata.name=a\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['metadata.name=a\\', 'invalid field selector: invalid escape sequence: \\'],
    // "!=" splits first and leaves an unescaped "=" in the value.
    ['metadata.name!==x', 'invalid field selector: unescaped character in value: 61'],
  ])('%j → 400 %j', (text, message) => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- jest types its asymmetric matchers as any
    expect(() => parse(text)).toThrow(expect.objectContaining({ code: 400, reason: 'BadRequest', message }));
  });

  it('lists whatever fields the resource supports in the message', () => {
    expect(() => parseFieldSelector('x=1', ['metadata.name', 'metadata.namespace', 'spec.account']))
      .toThrow('"x" is not a known field selector: only "metadata.name", "metadata.namespace", "spec.account"');
  });
});

describe('FieldSelector.matches', () => {
  const fields = { 'metadata.name': 'a,b', 'metadata.namespace': '' };
  it.each([
    ['', true],
    ['metadata.name=a\\,b', true],
    ['metadata.name==a\\,b', true],
    ['metadata.name=a', false],
    ['metadata.name!=a', true],
    ['metadata.name!=a\\,b', false],
    ['metadata.namespace=', true],
    ['metadata.namespace!=', false],
    ['metadata.name=a\\,b,metadata.namespace=x', false],
  ])('%j matches %j', (text, expected) => {
    expect(parse(text).matches(fields)).toBe(expected);
  });

  it('treats a missing field as the empty string', () => {
    expect(parse('metadata.namespace=').matches({ 'metadata.name': 'x' })).toBe(true);
    expect(parse('metadata.namespace!=ns').matches({})).toBe(true);
  });
});

describe('FieldSelector.exactName and requiresExactMatch', () => {
  it.each([
    ['', undefined, undefined],
    ['metadata.name=x', 'x', 'x'],
    ['metadata.name==x', 'x', 'x'],
    ['metadata.name=a\\,b', 'a,b', 'a,b'],
    ['metadata.name!=x', undefined, undefined],
    ['metadata.namespace=x', undefined, undefined],
    // Pinned, but not the only term: callers may narrow by name but must still apply matches().
    ['metadata.name=x,metadata.namespace=', undefined, 'x'],
  ])('%j → exactName %j, requiresExactMatch %j', (text, exact, pinned) => {
    const selector = parse(text);
    expect(selector.exactName()).toBe(exact);
    expect(selector.requiresExactMatch('metadata.name')).toBe(pinned);
  });
});

describe('escaping and printing', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a=b', 'a\\=b'],
    ['a\\b', 'a\\\\b'],
  ])('escapeFieldValue(%j) is %j and round-trips', (value, escaped) => {
    expect(escapeFieldValue(value)).toBe(escaped);
    expect(parse(`metadata.name=${escaped}`).requirements[0]?.value).toBe(value);
  });

  it('prints the canonical form', () => {
    expect(parse('metadata.namespace==a\\,b,metadata.name!=c').toString()).toBe('metadata.name!=c,metadata.namespace=a\\,b');
  });
});

// Findings of "Hardening I": a field selector is request data; its cost must be linear and bounded.
describe('hostile field selectors', () => {
  const MiB3 = 3 * 1024 * 1024;

  it.each([
    ['one value', `metadata.name=${'a'.repeat(MiB3 - 14)}`],
    ['many terms', 'metadata.name=a,'.repeat(MiB3 / 16)],
    ['escapes', `metadata.name=${'\\\\'.repeat((MiB3 - 14) / 2)}`],
    ['commas', ','.repeat(MiB3)],
  ])('refuses 3 MiB of %s with a 400 before parsing', (_shape, text) => {
    expect(text.length).toBe(MiB3);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- jest types its asymmetric matchers as any
    expect(() => parse(text)).toThrow(expect.objectContaining({
      code: 400, reason: 'BadRequest', message: `field selector is too long: ${MiB3} bytes, at most ${MAX_FIELD_SELECTOR_LENGTH}`,
    }));
  });

  it('parses selectors up to the bound exactly', () => {
    const value = 'a\\,'.repeat(Math.floor((MAX_FIELD_SELECTOR_LENGTH - 14) / 3));
    expect(parse(`metadata.name=${value}`).exactName()).toBe('a,'.repeat(value.length / 3));
  });

  it('treats __proto__ as a plain field name', () => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- jest types its asymmetric matchers as any
    expect(() => parse('__proto__=x')).toThrow(expect.objectContaining({ code: 400 }));
    const fields = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    expect(parseFieldSelector('__proto__=x', ['__proto__']).matches(fields)).toBe(true);
    expect(parseFieldSelector('__proto__=x', ['__proto__']).matches({})).toBe(false);
  });
});
