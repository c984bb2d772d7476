import { invalid } from '../../storage/apimachinery/errors.js';
import { GENERATED_NAME_ALPHABET, generateName } from '../../storage/apimachinery/generate-name.js';
import {
  maskTrailingDash, validateAnnotations, validateLabels, validateNamespaceName, validateObjectMetaForCreate, validateSubdomainName,
} from '../../storage/apimachinery/meta-validation.js';

const LABEL_REGEX = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
  + "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_REGEX = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
  + "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
  + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const KEY_NAME_REGEX = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
  + "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_REGEX = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
  + "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
  + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const nameValidator = validateNamespaceName;

describe('validateNamespaceName (DNS-1123 label)', () => {
  it.each([['a'], ['team-a'], ['0'], ['a1-b2'], ['x'.repeat(63)]])('%s is valid', (name) => {
    expect(validateNamespaceName(name)).toEqual([]);
  });

  it.each([
    ['X', [LABEL_REGEX]],
    ['-a', [LABEL_REGEX]],
    ['a-', [LABEL_REGEX]],
    ['a_b', [LABEL_REGEX]],
    ['', [LABEL_REGEX]],
    ['a.b', ['must not contain dots']],
    ['x'.repeat(64), ['must be no more than 63 bytes']],
    [`${'x'.repeat(63)}.y`, ['must be no more than 63 bytes', 'must not contain dots']],
    ['X'.repeat(64), ['must be no more than 63 bytes', LABEL_REGEX]],
  ])('%j', (name, errs) => {
    expect(validateNamespaceName(name)).toEqual(errs);
  });

  it('accepts a generateName prefix ending in a dash', () => {
    expect(validateNamespaceName('team-', true)).toEqual([]);
    expect(validateNamespaceName('team-', false)).toEqual([LABEL_REGEX]);
    expect(validateNamespaceName('Team-', true)).toEqual([LABEL_REGEX]);
  });
});

describe('validateSubdomainName', () => {
  it.each([['a'], ['a.b-c'], ['example.com'], ['x'.repeat(253)]])('%s is valid', (name) => {
    expect(validateSubdomainName(name)).toEqual([]);
  });

  it.each([
    ['A', [SUBDOMAIN_REGEX]], ['a..b', [SUBDOMAIN_REGEX]], ['.a', [SUBDOMAIN_REGEX]], ['x'.repeat(254), ['must be no more than 253 bytes']],
  ])('%j', (name, errs) => {
    expect(validateSubdomainName(name)).toEqual(errs);
  });

  it('masks the trailing dash of a prefix', () => {
    expect(validateSubdomainName('a.b-', true)).toEqual([]);
  });
});

describe('maskTrailingDash', () => {
  it.each([['abc-', 'aba'], ['a-', 'a'], ['-', '-'], ['abc', 'abc'], ['', '']])('%j -> %j', (name, masked) => {
    expect(maskTrailingDash(name)).toBe(masked);
  });
});

describe('generateName', () => {
  it('appends five characters from the upstream alphabet', () => {
    for (let i = 0; i < 200; i++) {
      const name = generateName('team-');
      expect(name).toMatch(/^team-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(validateNamespaceName(name)).toEqual([]);
    }
  });

  it('uses the random source given', () => {
    let i = 0;
    expect(generateName('p-', (n) => (i++ * 7) % n)).toBe(`p-${[0, 7, 14, 21, 1].map((k) => GENERATED_NAME_ALPHABET[k]).join('')}`);
  });

  it('cuts the prefix to 58 bytes so that the name stays a valid label', () => {
    const name = generateName('a'.repeat(100), () => 0);
    expect(name).toBe(`${'a'.repeat(58)}bbbbb`);
    expect(name).toHaveLength(63);
    expect(generateName('a'.repeat(58), () => 0)).toHaveLength(63);
    expect(generateName('', () => 26)).toBe('99999');
  });
});

describe('validateObjectMetaForCreate', () => {
  it.each([
    [{ name: 'a' }],
    [{ generateName: 'team-' }],
    [{ name: 'a', generateName: 'team-' }],
    [{ name: 'a', labels: { 'kiosk.sh/account': 'acme', app: '' }, annotations: { 'Example.COM/Note': 'anything at all' } }],
    [{ name: 'a', finalizers: ['kubernetes', 'example.com/cleanup'] }],
  ])('%j is valid', (meta) => {
    expect(validateObjectMetaForCreate(meta, { nameValidator })).toEqual([]);
  });

  it.each([
    [{}, [{ field: 'metadata.name', type: 'FieldValueRequired', detail: 'Required value: name or generateName is required' }]],
    [{ name: '' }, [{ field: 'metadata.name', type: 'FieldValueRequired', detail: 'Required value: name or generateName is required' }]],
    [{ name: 'X' }, [{ field: 'metadata.name', type: 'FieldValueInvalid', detail: `Invalid value: "X": ${LABEL_REGEX}` }]],
    [{ generateName: 'Team-' }, [{ field: 'metadata.generateName', type: 'FieldValueInvalid', detail: `Invalid value: "Team-": ${LABEL_REGEX}` }]],
    [{ name: 'a', generation: -1 }, [{ field: 'metadata.generation', type: 'FieldValueInvalid', detail: 'Invalid value: -1: must be greater than or equal to 0' }]],
    [{ name: 'a', labels: { 'bad key!': 'v' } }, [{ field: 'metadata.labels', type: 'FieldValueInvalid', detail: `Invalid value: "bad key!": ${KEY_NAME_REGEX}` }]],
    [{ name: 'a', labels: { k: 'bad value!' } }, [{ field: 'metadata.labels', type: 'FieldValueInvalid', detail: `Invalid value: "bad value!": ${VALUE_REGEX}` }]],
    [{ name: 'a', annotations: { 'a/b/c': 'x' } }, [{
      field: 'metadata.annotations', type: 'FieldValueInvalid',
      detail: "Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
        + "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    }]],
    [{ name: 'a', finalizers: ['orphan', 'foregroundDeletion'] }, [{
      field: 'metadata.finalizers', type: 'FieldValueInvalid',
      detail: 'Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    }]],
  ])('%j', (meta, errors) => {
    expect(validateObjectMetaForCreate(meta, { nameValidator })).toEqual(errors);
  });

  it('reports name and generateName errors through the validator given', () => {
    expect(validateObjectMetaForCreate({ name: 'a.b' }, { nameValidator: validateSubdomainName })).toEqual([]);
    expect(validateObjectMetaForCreate({ name: 'a.b' }, { nameValidator })).toEqual([
      { field: 'metadata.name', type: 'FieldValueInvalid', detail: 'Invalid value: "a.b": must not contain dots' },
    ]);
  });

  it('de-duplicates identical errors and formats as kubectl shows them', () => {
    const errors = validateObjectMetaForCreate({ name: 'X', labels: { 'x!': 'x!' } }, { nameValidator });
    expect(invalid('Space', 'tenancy.kiosk.sh', 'X', errors).message).toBe(`Space.tenancy.kiosk.sh "X" is invalid: [metadata.name: Invalid value: "X": ${LABEL_REGEX}, `
      + `metadata.labels: Invalid value: "x!": ${KEY_NAME_REGEX}, metadata.labels: Invalid value: "x!": ${VALUE_REGEX}]`);
    const twice = validateObjectMetaForCreate({ name: 'a', labels: { 'a!': 'v', 'b!': 'v' }, annotations: {} }, { nameValidator });
    expect(twice.map((e) => e.detail)).toEqual([`Invalid value: "a!": ${KEY_NAME_REGEX}`, `Invalid value: "b!": ${KEY_NAME_REGEX}`]);
  });
});

describe('labels and annotations', () => {
  it('orders label errors by key', () => {
    expect(validateLabels({ 'z!': 'ok', 'a!': 'ok' }).map((e) => e.detail)).toEqual([
      `Invalid value: "a!": ${KEY_NAME_REGEX}`, `Invalid value: "z!": ${KEY_NAME_REGEX}`,
    ]);
  });

  it('limits annotations to 256 KiB of keys and values', () => {
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) })).toEqual([]);
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024) })).toEqual([
      { field: 'metadata.annotations', type: 'FieldValueTooLong', detail: 'Too long: may not be more than 262144 bytes' },
    ]);
    expect(validateAnnotations({ a: 'é'.repeat(128 * 1024) })).toHaveLength(1);
  });

  it('ignores the case of annotation keys', () => {
    expect(validateAnnotations({ 'EXAMPLE.com/Key': 'v' })).toEqual([]);
    expect(validateLabels({ 'EXAMPLE.com/Key': 'v' })).toHaveLength(1);
  });
});

// Findings of "Hardening I": label and annotation maps come from request data; a value that is not a string
// (the decoder does not type them) must be reported, not crash the validation.
describe('hostile metadata maps', () => {
  it('validates values that are objects without calling anything on them', () => {
    const labels = JSON.parse('{"a":{"toString":1,"valueOf":1},"__proto__":"x","constructor":"y"}') as Record<string, string>;
    const errs = validateLabels(labels);
    expect(errs.map((e) => e.detail)).toEqual([
      expect.stringMatching(/^Invalid value: "__proto__": name part must consist of/),
      expect.stringMatching(/^Invalid value: \{"toString":1,"valueOf":1\}: a valid label must be an empty string/),
    ]);
    expect(validateAnnotations(JSON.parse('{"a":{"toString":1},"__proto__":"x"}') as Record<string, string>).map((e) => e.detail))
      .toEqual([expect.stringMatching(/^Invalid value: "__proto__": name part must consist of/)]);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('copes with values nested as deep as a body may be', () => {
    const deep = JSON.parse(`{"a":${'{"a":'.repeat(997)}1${'}'.repeat(997)}}`) as Record<string, string>;
    expect(validateLabels(deep)).toHaveLength(2);
  });
});
