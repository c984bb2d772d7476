import { invalid } from '../../storage/apimachinery/errors.js';
import { fieldError, fieldErrorString, goValue, uniqueFieldErrors } from '../../storage/apimachinery/field-errors.js';
import { goQuote, isGoPrintable } from '../../storage/apimachinery/go-quote.js';
import { isDNS1035Label, isDNS1123Label } from '../../storage/apimachinery/validation.js';

describe('goQuote (strconv.Quote)', () => {
  it.each([
    ['abc', '"abc"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\n\t\r\x07\b\f\v', '"\\n\\t\\r\\a\\b\\f\\v"'],
    ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['é中😀', '"é中😀"'],
    ['\u0085\u00a0\u00ad', '"\\u0085\\u00a0\\u00ad"'],
    ['\u200b\u2028\ufeff', '"\\u200b\\u2028\\ufeff"'],
    ['\u{e0001}', '"\\U000e0001"'],
    [' ', '" "'],
  ])('%j -> %s', (s, quoted) => {
    expect(goQuote(s)).toBe(quoted);
  });

  it.each([['a', true], [' ', true], ['€', true], ['\u00a0', false], ['\u200b', false], ['\t', false], ['\u0301', true]])('isGoPrintable(%j) is %s', (ch, printable) => {
    expect(isGoPrintable(ch)).toBe(printable);
  });
});

describe('field errors (field.Error.ErrorBody)', () => {
  it.each([
    [fieldError.required('metadata.name', 'name or generateName is required'), 'FieldValueRequired', 'Required value: name or generateName is required'],
    [fieldError.required('x', ''), 'FieldValueRequired', 'Required value'],
    [fieldError.forbidden('force', 'may not be specified for non-apply patch'), 'FieldValueForbidden', 'Forbidden: may not be specified for non-apply patch'],
    [fieldError.invalid('metadata.name', 'X', 'bad'), 'FieldValueInvalid', 'Invalid value: "X": bad'],
    [fieldError.invalid('n', 5, 'must be'), 'FieldValueInvalid', 'Invalid value: 5: must be'],
    [fieldError.invalid('b', true, ''), 'FieldValueInvalid', 'Invalid value: true'],
    [fieldError.invalid('n', null, 'x'), 'FieldValueInvalid', 'Invalid value: null: x'],
    [fieldError.invalid('n', undefined, 'x'), 'FieldValueInvalid', 'Invalid value: null: x'],
    [fieldError.invalid('l', ['a', 'b'], 'x'), 'FieldValueInvalid', 'Invalid value: ["a","b"]: x'],
    [fieldError.invalid('m', { k: 1 }, 'x'), 'FieldValueInvalid', 'Invalid value: {"k":1}: x'],
    [fieldError.notSupported('p', 'x', ['A', 'B']), 'FieldValueNotSupported', 'Unsupported value: "x": supported values: "A", "B"'],
    [fieldError.notSupported('p', ['x'], ['All']), 'FieldValueNotSupported', 'Unsupported value: ["x"]: supported values: "All"'],
    [fieldError.notSupported('p', 'x', []), 'FieldValueNotSupported', 'Unsupported value: "x"'],
    [fieldError.duplicate('f', 'a'), 'FieldValueDuplicate', 'Duplicate value: "a"'],
    [fieldError.notFound('f', 'a'), 'FieldValueNotFound', 'Not found: "a"'],
    [fieldError.tooLong('fieldManager', 128), 'FieldValueTooLong', 'Too long: may not be more than 128 bytes'],
    [fieldError.tooLong('x', 1), 'FieldValueTooLong', 'Too long: may not be more than 1 byte'],
    [fieldError.tooLong('x', -1), 'FieldValueTooLong', 'Too long: value is too long'],
    [fieldError.internal('x', 'boom'), 'InternalError', 'Internal error: boom'],
  ])('%j', (err, type, detail) => {
    expect(err.type).toBe(type);
    expect(err.detail).toBe(detail);
    expect(fieldErrorString(err)).toBe(`${err.field}: ${detail}`);
  });

  it('renders values like goValue', () => {
    expect(goValue('a\nb')).toBe('"a\\nb"');
    expect(goValue(1.5)).toBe('1.5');
  });

  it('fits invalid(): causes carry the body, the message the whole error', () => {
    const err = invalid('Space', 'tenancy.kiosk.sh', 'X', [fieldError.invalid('metadata.name', 'X', 'bad')]);
    expect(err.message).toBe('Space.tenancy.kiosk.sh "X" is invalid: metadata.name: Invalid value: "X": bad');
    expect(err.details?.causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "X": bad', field: 'metadata.name' }]);
  });

  it('de-duplicates by the whole error text', () => {
    const a = fieldError.invalid('f', 'x', 'bad');
    expect(uniqueFieldErrors([a, { ...a }, fieldError.invalid('g', 'x', 'bad'), a])).toEqual([a, fieldError.invalid('g', 'x', 'bad')]);
  });
});

describe('isDNS1123Label', () => {
  it.each([
    ['abc', []], ['a.b', ['must not contain dots']], ['ABC', [expect.stringContaining('a lowercase RFC 1123 label must consist of')]],
  ])('%j', (value, errs) => {
    expect(isDNS1123Label(value)).toEqual(errs);
  });
});

describe('isDNS1035Label, as content.IsDNS1035Label words it', () => {
  const regex = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
  it.each([
    ['a', []], ['my-svc', []], ['a1', []],
    ['1svc', [regex]], ['', [regex]], ['a-', [regex]], ['-a', [regex]], ['A', [regex]], ['a.b', [regex]], ['1', [regex]],
    // Both problems at once, as upstream appends them (the check is linear: a long name costs its length).
    ['a'.repeat(63), []], ['a'.repeat(64), ['must be no more than 63 bytes']], [`${'a'.repeat(100_000)}!`, ['must be no more than 63 bytes', regex]],
  ])('%j', (value, errs) => {
    expect(isDNS1035Label(value)).toEqual(errs);
  });
});
