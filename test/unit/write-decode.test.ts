import { statusOf } from '../support/status-of.js';
import { allSchemas, definitionName } from '../../registry/openapi/schemas.js';
import type { Schema } from '../../storage/apimachinery/openapi/schema.js';
import { MAX_JSON_DEPTH, scanJson } from '../../storage/apimachinery/go-json.js';
import { MAX_YAML_SEPARATORS, bodyMediaType, decodeObject, fieldValidation, parseGroupVersion, parseYaml, strictDecodingOutcome, summarizeData, unknownFields } from '../../apiserver/request/decode.js';
import { MAX_RECORDED_WARNINGS, warningHeaders } from '../../apiserver/request/warnings.js';

/** The decoded object alone: decodeObject without its strict-decoding results. */
const decodeBody = (...args: Parameters<typeof decodeObject>) => decodeObject(...args).object;

/** The duplicate-key paths a strict decode reports; none for a text that is not JSON. */
function duplicateFields(text: string): string[] {
  try {
    return scanJson(text).duplicates;
  } catch {
    return [];
  }
}

/** Whether `value` nests arrays and objects more than `max` levels deep (a scalar is 0 levels). Iterative. */
function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

const SPACE = { group: 'tenancy.kiosk.sh', version: 'v1alpha1', kind: 'Space' };
const SPACE_SCHEMA = definitionName('tenancy.kiosk.sh', 'v1alpha1', 'Space');
const ACCOUNT_SCHEMA = definitionName('tenancy.kiosk.sh', 'v1alpha1', 'Account');
const catalogue = allSchemas();
const UNRECOGNIZED = 'the object provided is unrecognized (must be of type Space): ';
const PARSE = `${UNRECOGNIZED}couldn't get version/kind; json parse error: `;

describe('scanJson: Go encoding/json syntax errors', () => {
  it.each([
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"a"', 'unexpected end of JSON input'],
    ['{"a":', 'unexpected end of JSON input'],
    ['{"a":1', 'unexpected end of JSON input'],
    ['[1,', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ['"\\u12', 'unexpected end of JSON input'],
    ['tru', 'unexpected end of JSON input'],
    ['-', 'unexpected end of JSON input'],
    ['1.', 'unexpected end of JSON input'],
    ['1e', 'unexpected end of JSON input'],
    ['1e+', 'unexpected end of JSON input'],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['{"a":}', "invalid character '}' looking for beginning of value"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
    ['[1 2]', "invalid character '2' after array element"],
    ['{} {}', "invalid character '{' after top-level value"],
    ['01', "invalid character '1' after top-level value"],
    ['"a\tb"', "invalid character '\\t' in string literal"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['-a', "invalid character 'a' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['1e+x', "invalid character 'x' in exponent of numeric literal"],
    ['trUe', "invalid character 'U' in literal true (expecting 'u')"],
    ['fals', 'unexpected end of JSON input'],
    ['falsy', "invalid character 'y' in literal false (expecting 'e')"],
    ['nul}', "invalid character '}' in literal null (expecting 'l')"],
    ['\ufeff{}', "invalid character 'ï' looking for beginning of value"],
    ['é', "invalid character 'Ã' looking for beginning of value"],
    // A non-ASCII character is reported by its first UTF-8 byte, as a Latin-1 rune.
    ['{"a":1}\u0085', "invalid character 'Â' after top-level value"],
  ])('%j: %s', (text, message) => {
    expect(() => scanJson(text)).toThrow(message);
  });

  it.each([
    ['{}'], ['[]'], [' {"a" : [ 1 , -0.5e+10 , "x\\u00e9\\n" , true , false , null , {} , [] ] } '], ['0'], ['-0'], ['"s"'], ['1E5'],
  ])('accepts %j', (text) => {
    expect(scanJson(text)).toEqual({ duplicates: [] });
  });

  it('refuses nesting deeper than MAX_JSON_DEPTH with Go\'s max-depth error, before the rest of the text', () => {
    expect(scanJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toEqual({ duplicates: [] });
    expect(() => scanJson(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toThrow("invalid character '[' exceeded max depth");
    expect(() => scanJson(`${'{"a":'.repeat(MAX_JSON_DEPTH)}{"a":1,"a":1} oops`)).toThrow("invalid character '{' exceeded max depth");
    expect(() => scanJson(`[${'[{"a":'.repeat(MAX_JSON_DEPTH)}`)).toThrow("invalid character '{' exceeded max depth");
    expect(() => scanJson('['.repeat(100000))).toThrow("invalid character '[' exceeded max depth");
  });
});

describe('duplicateFields', () => {
  it.each([
    ['{"a":1,"a":2}', ['a']],
    ['{"metadata":{"name":"x","name":"y"}}', ['metadata.name']],
    ['{"spec":{"subjects":[{"kind":"User"},{"kind":"User","kind":"Group"}]}}', ['spec.subjects[1].kind']],
    ['[{"a":1,"a":2}]', ['[0].a']],
    ['{"a":[[{"b":1,"b":1}]]}', ['a[0][0].b']],
    // Reported once however often it repeats; escapes are decoded before comparing.
    ['{"a":1,"a":2,"a":3,"\\u0061":4}', ['a']],
    ['{"a":{"x":1},"b":{"x":1}}', []],
    ['{"A":1,"a":2}', []],
    ['{"a.b":1,"a.b":2}', ['a.b']],
    ['not json', []],
  ])('%s', (text, expected) => {
    expect(duplicateFields(text)).toEqual(expected);
  });

  it('stops at 100, as sigs.k8s.io/json does', () => {
    const body = `{${Array.from({ length: 150 }, (_, i) => `"k${i}":1,"k${i}":2`).join(',')}}`;
    expect(duplicateFields(body)).toHaveLength(100);
  });
});

describe('unknownFields', () => {
  it.each([
    ['a valid space', { apiVersion: 'x', kind: 'Space', metadata: { name: 'a', labels: { any: 'thing' } }, spec: { account: 'a', finalizers: ['kubernetes'] }, status: { phase: 'Active' } }, []],
    ['spec.bogus', { spec: { bogus: 1 } }, ['spec.bogus']],
    ['top level and metadata, metadata last', { zeta: 1, alpha: 2, metadata: { bogus: 1, name: 'x' }, spec: { b: 1 } },
      ['alpha', 'spec.b', 'zeta', 'metadata.bogus']],
    ['labels and annotations are maps', { metadata: { labels: { 'a/b': 'c' }, annotations: { x: 'y' } } }, []],
    ['inside ownerReferences', { metadata: { ownerReferences: [{ uid: 'u', nope: true }, { uid: 'v' }] } }, ['metadata.ownerReferences[0].nope']],
    ['FieldsV1 is opaque', { metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'f:x': {} } } }] } }, []],
    ['inside managedFields entries', { metadata: { managedFields: [{ manager: 'm', bad: 1 }] } }, ['metadata.managedFields[0].bad']],
    ['wrong types are left to validation', { spec: 'x', metadata: [1, 2], status: { phase: { deep: 1 } } }, []],
  ])('space: %s', (_name, obj, expected) => {
    expect(unknownFields(obj, SPACE_SCHEMA, catalogue)).toEqual(expected);
  });

  it.each([
    ['subjects (through allOf and $ref)', { spec: { subjects: [{ kind: 'User', name: 'u' }, { kind: 'Group', name: 'g', extra: 1 }] } },
      ['spec.subjects[1].extra']],
    ['deep in templateInstances', { spec: { space: { templateInstances: [{ metadata: { name: 'x', labels: { a: 'b' }, foo: 1 }, spec: { template: 't', parameters: [{ name: 'p', value: 'v', x: 1 }] } }] } } },
      ['spec.space.templateInstances[0].metadata.foo', 'spec.space.templateInstances[0].spec.parameters[0].x']],
    ['status', { status: { namespaces: [{ name: 'a', q: 1 }], other: 2 } }, ['status.namespaces[0].q', 'status.other']],
    ['spaceTemplate metadata keeps only labels and annotations', { spec: { space: { spaceTemplate: { metadata: { labels: {}, name: 'x' } } } } },
      ['spec.space.spaceTemplate.metadata.name']],
  ])('account: %s', (_name, obj, expected) => {
    expect(unknownFields(obj, ACCOUNT_SCHEMA, catalogue)).toEqual(expected);
  });

  it('honours additionalProperties, x-kubernetes-preserve-unknown-fields and untyped objects', () => {
    const custom: Record<string, Schema> = {
      Root: {
        type: 'object',
        properties: {
          map: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Leaf' } },
          anyMap: { type: 'object', additionalProperties: true },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { $ref: '#/components/schemas/Leaf' } } },
          opaque: { type: 'object' },
          missing: { $ref: '#/components/schemas/Nowhere' },
          list: { type: 'array', items: { allOf: [{ $ref: '#/components/schemas/Leaf' }] } },
          closed: { type: 'object', properties: {} },
        },
      },
      Leaf: { type: 'object', properties: { a: { type: 'string' } } },
    };
    const obj = {
      map: { k1: { a: 'x' }, k2: { a: 'y', b: 1 } },
      anyMap: { x: { y: 1 } },
      free: { whatever: { deep: 1 }, known: { a: 'x', z: 1 } },
      opaque: { p: 1 },
      missing: { q: 1 },
      list: [{ a: 'x' }, { c: 1 }],
      closed: { nope: 1 },
    };
    expect(unknownFields(obj, 'Root', custom)).toEqual(['closed.nope', 'free.known.z', 'list[1].c', 'map.k2.b']);
  });
});

describe('fieldValidation and strictDecodingOutcome', () => {
  it.each([
    [undefined, 'Warn'], ['', 'Warn'], ['Warn', 'Warn'], ['Strict', 'Strict'], ['Ignore', 'Ignore'],
  ])('fieldValidation(%j) is %s', (value, expected) => {
    expect(fieldValidation(value)).toBe(expected);
  });

  it('is 400 under Strict, duplicates first, joined with ", "', () => {
    const err = statusOf(() => strictDecodingOutcome('Space', 'v1alpha1', ['spec.bogus', 'metadata.x'], ['metadata.name'], 'Strict'));
    expect(err.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400,
      message: 'Space in version "v1alpha1" cannot be handled as a Space: strict decoding error: duplicate field "metadata.name", '
        + 'unknown field "spec.bogus", unknown field "metadata.x"',
    });
  });

  it('names the data\'s kind and the endpoint\'s kind', () => {
    expect(() => strictDecodingOutcome('Space', '', [], ['a'], 'Strict', 'Space'))
      .toThrow('Space in version "" cannot be handled as a Space: strict decoding error: duplicate field "a"');
  });

  it('returns one warning per problem under Warn, none under Ignore or without problems', () => {
    expect(strictDecodingOutcome('Space', 'v1alpha1', ['spec.bogus'], ['x'], 'Warn')).toEqual(['duplicate field "x"', 'unknown field "spec.bogus"']);
    expect(strictDecodingOutcome('Space', 'v1alpha1', ['spec.bogus'], ['x'], 'Ignore')).toEqual([]);
    expect(strictDecodingOutcome('Space', 'v1alpha1', [], [], 'Strict')).toEqual([]);
  });

  it('splits a go-yaml error into one warning per line', () => {
    const yamlError = 'yaml: unmarshal errors:\n  line 3: key "a" already set in map\n  line 5: key "b" already set in map';
    expect(strictDecodingOutcome('Space', 'v1alpha1', [], [], 'Warn', 'Space', [yamlError]))
      .toEqual(['line 3: key "a" already set in map', 'line 5: key "b" already set in map']);
  });
});

describe('decodeObject', () => {
  const space = (extra = '') => `{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"x"}${extra}}`;
  const schema = { schemaName: SPACE_SCHEMA, catalogue };

  it('decodes a space', () => {
    expect(decodeObject(Buffer.from(space(',"spec":{"account":"a"}')), 'application/json', SPACE, schema)).toEqual({
      object: { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 'x' }, spec: { account: 'a' } },
      warnings: [], duplicates: [], unknown: [],
    });
    expect(decodeBody(Buffer.from(space()), undefined, SPACE)).toEqual({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 'x' } });
  });

  it.each([
    ['application/json'], ['application/json; charset=utf-8'], ['APPLICATION/JSON'], [undefined], [''], ['application/yaml'],
  ])('accepts Content-Type %j', (contentType) => {
    expect(decodeBody(Buffer.from(space()), contentType, SPACE).kind).toBe('Space');
  });

  it.each([['text/plain'], ['application/xml'], ['application/vnd.kubernetes.protobuf'], ['application/merge-patch+json']])('refuses %s with 415', (contentType) => {
    const err = statusOf(() => decodeBody(Buffer.from(space()), contentType, SPACE));
    expect([err.code, err.reason, err.message]).toEqual([415, 'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml']);
  });

  it.each([
    ['', `${PARSE}unexpected end of JSON input (<empty>)`],
    ['{"apiVersion":', `${PARSE}unexpected end of JSON input ({"apiVersion":)`],
    ['{"apiVersion":"tenancy.kiosk.sh/v1alpha1",', `${PARSE}unexpected end of JSON input ({"apiVersion":"tenancy.kiosk.s ...)`],
    ['nope', `${PARSE}invalid character 'o' in literal null (expecting 'u') (6e6f7065)`],
    ['[{"kind":"Space"}]', `${PARSE}json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b7b226b696e64223a225370616365227d5d)`],
    ['{"kind":["Space"]}', `${PARSE}json: cannot unmarshal array into Go struct field .kind of type string ({"kind":["Space"]})`],
    ['{"apiVersion":1,"kind":"Space"}', `${PARSE}json: cannot unmarshal number into Go struct field .apiVersion of type string ({"apiVersion":1,"kind":"Space" ...)`],
    ['{"apiVersion":"a/b/c","kind":"Space"}', `${UNRECOGNIZED}unexpected GroupVersion string: a/b/c ({"apiVersion":"a/b/c","kind":" ...)`],
  ])('%j is 400', (body, message) => {
    const err = statusOf(() => decodeBody(Buffer.from(body), 'application/json', SPACE));
    expect([err.code, err.reason, err.message]).toEqual([400, 'BadRequest', message]);
  });

  it('reports a missing kind as upstream does for each fieldValidation', () => {
    const body = '{"apiVersion":"tenancy.kiosk.sh/v1alpha1","metadata":{"name":"x"}}';
    for (const mode of ['Strict', 'Warn'] as const) {
      expect(() => decodeBody(Buffer.from(body), 'application/json', SPACE, { fieldValidation: mode }))
        .toThrow(`${UNRECOGNIZED}Object 'Kind' is missing in '${body}' ({"apiVersion":"tenancy.kiosk.s ...)`);
    }
    expect(() => decodeBody(Buffer.from(body), 'application/json', SPACE, { fieldValidation: 'Ignore' }))
      .toThrow(`Space in version "v1alpha1" cannot be handled as a Space: Object 'Kind' is missing in '${body}'`);
    expect(() => decodeBody(Buffer.from('null'), 'application/json', SPACE)).toThrow(`${UNRECOGNIZED}Object 'Kind' is missing in 'null' (6e756c6c)`);
    expect(() => decodeBody(Buffer.from('{"kind":""}'), 'application/json', SPACE)).toThrow("Object 'Kind' is missing in '{\"kind\":\"\"}'");
  });

  it.each([
    ['{"apiVersion":"tenancy.kiosk.sh/v1","kind":"Space"}', 'tenancy.kiosk.sh/v1'],
    ['{"apiVersion":"v1","kind":"Space"}', 'v1'],
    ['{"apiVersion":"config.kiosk.sh/v1alpha1","kind":"Account"}', 'config.kiosk.sh/v1alpha1'],
    ['{"kind":"Space","metadata":{"name":"x"}}', ''],
  ])('%s has the wrong API version', (body, inData) => {
    const err = statusOf(() => decodeBody(Buffer.from(body), 'application/json', SPACE));
    expect([err.code, err.message]).toEqual([400,
      `the API version in the data (${inData}) does not match the expected API version (tenancy.kiosk.sh/v1alpha1)`]);
  });

  it('refuses another kind of the group version with 422 on kind, as customResourceValidator', () => {
    const err = statusOf(() => decodeBody(Buffer.from('{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Account","metadata":{"name":"a"}}'),
      'application/json', SPACE));
    expect(err.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Invalid', code: 422,
      message: 'Space.tenancy.kiosk.sh "a" is invalid: kind: Invalid value: "Account": must be Space',
      details: { name: 'a', group: 'tenancy.kiosk.sh', kind: 'Space', causes: [{ reason: 'FieldValueInvalid', field: 'kind', message: 'Invalid value: "Account": must be Space' }] },
    });
  });

  it('applies fieldValidation to unknown and duplicate fields', () => {
    const body = Buffer.from('{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"x","name":"y"},"spec":{"bogus":1}}');
    const warn = decodeObject(body, 'application/json', SPACE, { ...schema, fieldValidation: 'Warn' });
    expect(warn.warnings).toEqual(['duplicate field "metadata.name"', 'unknown field "spec.bogus"']);
    expect(warn.object.metadata).toEqual({ name: 'y' });
    expect(decodeObject(body, 'application/json', SPACE, { ...schema }).warnings).toHaveLength(2);
    expect(decodeObject(body, 'application/json', SPACE, { ...schema, fieldValidation: 'Ignore' }))
      .toMatchObject({ warnings: [], duplicates: [], unknown: [] });
    expect(() => decodeObject(body, 'application/json', SPACE, { ...schema, fieldValidation: 'Strict' })).toThrow(
      'Space in version "v1alpha1" cannot be handled as a Space: strict decoding error: duplicate field "metadata.name", unknown field "spec.bogus"');
  });

  it('checks strict decoding before the API version, and unknown fields only for the expected kind', () => {
    const dup = Buffer.from('{"apiVersion":"tenancy.kiosk.sh/v1","kind":"Space","a":1,"a":2}');
    expect(() => decodeObject(dup, 'application/json', SPACE, { ...schema, fieldValidation: 'Strict' }))
      .toThrow('Space in version "v1" cannot be handled as a Space: strict decoding error: duplicate field "a"');
    const other = Buffer.from('{"apiVersion":"tenancy.kiosk.sh/v1","kind":"Space","bogus":1}');
    expect(() => decodeObject(other, 'application/json', SPACE, { ...schema, fieldValidation: 'Strict' }))
      .toThrow('the API version in the data (tenancy.kiosk.sh/v1) does not match');
  });

  it('decodes YAML, with duplicate keys as go-yaml strict errors', () => {
    const yaml = 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  name: x\n  labels:\n    a: "1"\n    a: "2"\nspec:\n  bogus: 1\n';
    const decoded = decodeObject(Buffer.from(yaml), 'application/yaml', SPACE, schema);
    expect(decoded.object).toEqual({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 'x', labels: { a: '2' } }, spec: { bogus: 1 } });
    expect(decoded.warnings).toEqual(['line 7: key "a" already set in map', 'unknown field "spec.bogus"']);
    expect(() => decodeObject(Buffer.from(yaml), 'application/yaml', SPACE, { ...schema, fieldValidation: 'Strict' })).toThrow(
      'Space in version "v1alpha1" cannot be handled as a Space: strict decoding error: yaml: unmarshal errors:\n  line 7: key "a" already set in map, unknown field "spec.bogus"');
    expect(() => decodeBody(Buffer.from('a: [1,\n'), 'application/yaml', SPACE))
      .toThrow(`${UNRECOGNIZED}yaml: line 2: unexpected end of the stream within a flow collection (613a205b312c0a)`);
    expect(() => decodeBody(Buffer.from(''), 'application/yaml', SPACE)).toThrow(`${UNRECOGNIZED}Object 'Kind' is missing in '' (<empty>)`);
  });
});

describe('helpers', () => {
  it.each([
    [undefined, 'application/json'], ['', 'application/json'], ['Application/YAML; charset=utf-8', 'application/yaml'], [' text/plain ', 'text/plain'],
  ])('bodyMediaType(%j) = %s', (header, expected) => {
    expect(bodyMediaType(header)).toBe(expected);
  });

  it.each([
    ['', '<empty>'], ['{"a":1}', '{"a":1}'], [`{${'x'.repeat(40)}}`, `{${'x'.repeat(29)} ...`], ['[1]', '5b315d'], ['a'.repeat(31), `${'61'.repeat(30)} ...`],
  ])('summarizeData(%j) = %s', (body, expected) => {
    expect(summarizeData(Buffer.from(body))).toBe(expected);
  });

  it.each([
    ['', { group: '', version: '' }], ['/', { group: '', version: '' }], ['v1', { group: '', version: 'v1' }],
    ['tenancy.kiosk.sh/v1alpha1', { group: 'tenancy.kiosk.sh', version: 'v1alpha1' }],
  ])('parseGroupVersion(%j)', (apiVersion, expected) => {
    expect(parseGroupVersion(apiVersion)).toEqual(expected);
  });

  it('parseGroupVersion refuses more than one slash', () => {
    expect(() => parseGroupVersion('a/b/c')).toThrow('unexpected GroupVersion string: a/b/c');
  });

  it('parseYaml keeps timestamps as the strings written, as go-yaml does for an interface{}', () => {
    expect(parseYaml('a: 2020-01-01T10:00:00Z\nb: 2020-01-01T10:00:00.5Z\nc: "2020-01-01"\nd: [1, 2]\ne: 2001-12-14\n').value)
      .toEqual({ a: '2020-01-01T10:00:00Z', b: '2020-01-01T10:00:00.5Z', c: '2020-01-01', d: [1, 2], e: '2001-12-14' });
  });

  it('parseYaml reads plain scalars as YAML 1.1 (go-yaml v2), as kube-apiserver does', () => {
    const text = 'a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: 0755\nh: 0x1F\ni: 1_000\nj: ~\nk: True\nl: "yes"\nm: 1e3\np: .5\no: 0o17\nn: key\n';
    expect(parseYaml(text).value).toEqual({
      a: true, b: false, c: true, d: false, e: true, f: false, g: 493, h: 31, i: 1000, j: null, k: true, l: 'yes', m: 1000, p: 0.5, o: 15,
      // A key is resolved too, then printed: `n` is false.
      false: 'key',
    });
  });

  it('parseYaml gives what kube-apiserver v1.36.3 stored for the same application/yaml body', () => {
    // POSTed as a Template manifest (preserve-unknown-fields) to the sandbox's kube-apiserver, read back as JSON.
    const text = ['a: yes', 'b: no', 'c: on', 'd: off', 'e: y', 'f: n', 'g: 0755', 'h: 0x1F', 'i: 1_000', 'j: ~', 'k: True', 'l: "yes"',
      'm: 1e3', 'p: .5', 'o: 0o17', 'n: key', 'q: 2001-12-14', 'r: 2020-01-01T10:00:00.5Z', 's: 1:20', 't: +12', 'u: 0b101', 'v: -0',
      'w: 12e', 'y: 01.5', 'z: 1e400'].join('\n');
    expect(parseYaml(text).value).toEqual({
      a: true, b: false, c: true, d: false, e: true, f: false, false: 'key', g: 493, h: 31, i: 1000, j: null, k: true, l: 'yes', m: 1000,
      o: 15, p: 0.5, q: '2001-12-14', r: '2020-01-01T10:00:00.5Z', s: '1:20', t: 12, true: 1.5, u: 5, v: 0, w: '12e', z: '1e400',
    });
  });

  it('parseYaml reads __proto__, constructor and toString as plain strings and keys', () => {
    const { value } = parseYaml('__proto__: constructor\nconstructor: __proto__\ntoString: [valueOf, hasOwnProperty]\n');
    expect(JSON.stringify(value)).toBe('{"__proto__":"constructor","constructor":"__proto__","toString":["valueOf","hasOwnProperty"]}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('parseYaml refuses NaN as encoding/json does', () => {
    // Recorded from kube-apiserver v1.36.3: no "error converting YAML to JSON" prefix on a body.
    expect(() => parseYaml('a: .nan\n')).toThrow(/^json: unsupported value: NaN$/);
    expect(() => parseYaml('a: -.inf\n')).toThrow(/^json: unsupported value: -Inf$/);
  });
});

// Findings of "Hardening I": a body is request data; decoding must be linear, bounded in depth, and never let a
// key reach a prototype.
describe('hostile bodies', () => {
  const MiB3 = 3 * 1024 * 1024;

  it.each([
    ['flow sequences', '['],
    ['flow mappings', '{a: '],
  ])('answers 3 MiB of YAML %s with a 400, counted before the YAML reader runs', (_shape, open) => {
    const body = Buffer.from(open.repeat(MiB3 / open.length));
    const err = statusOf(() => decodeBody(body, 'application/yaml', SPACE));
    expect([err.code, err.reason]).toEqual([400, 'BadRequest']);
    expect(err.message).toContain(`${UNRECOGNIZED}yaml: too many values: a YAML body may hold at most ${MAX_YAML_SEPARATORS} lines and flow separators`);
  });

  it.each([
    ['3 MiB of block sequences on one line', '- '.repeat(MiB3 / 2)],
    ['flow sequences past the bound', `a: ${'['.repeat(MAX_JSON_DEPTH + 1)}`],
  ])('answers YAML within the separator budget but too deep (%s) with a 400 naming the max depth', (_shape, text) => {
    const err = statusOf(() => decodeBody(Buffer.from(text), 'application/yaml', SPACE));
    expect([err.code, err.reason]).toEqual([400, 'BadRequest']);
    expect(err.message).toContain(`${UNRECOGNIZED}yaml: exceeded max depth of ${MAX_JSON_DEPTH} (`);
  });

  it('counts lines and flow separators, not other characters', () => {
    const lines = (n: number) => `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  annotations:\n    a: |\n${'      x x: y\n'.repeat(n)}`;
    expect(() => parseYaml(lines(MAX_YAML_SEPARATORS - 10))).not.toThrow();
    expect(() => parseYaml(lines(MAX_YAML_SEPARATORS))).toThrow(/^yaml: too many values/);
  });

  it('reads YAML as deep as the bound', () => {
    const depth = MAX_JSON_DEPTH - 1;
    const { value } = parseYaml(`a: ${'['.repeat(depth)}1${']'.repeat(depth)}\n`);
    expect(jsonDepthExceeds(value, MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(value, MAX_JSON_DEPTH - 1)).toBe(true);
    expect(() => parseYaml(`a: ${'['.repeat(depth + 1)}1${']'.repeat(depth + 1)}\n`)).toThrow(`yaml: exceeded max depth of ${MAX_JSON_DEPTH}`);
    // As kube-apiserver v1.36.3 words it (at 10000 there): the line where the bound was crossed.
    expect(() => parseYaml(`apiVersion: v1\nkind: Template\nmetadata: {name: deep}\nx: ${'['.repeat(4000)}\n`))
      .toThrow(/^yaml: line 4: exceeded max depth of 1000$/);
  });

  it('bounds alias expansion as go-yaml does ("billion laughs")', () => {
    const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    expect(() => parseYaml(lines.join('\n'))).toThrow(/^yaml: document contains excessive aliasing$/);
    // Moderate aliasing is expanded.
    expect(parseYaml('base: &b {x: 1}\nuse: [*b, *b]\n').value).toEqual({ base: { x: 1 }, use: [{ x: 1 }, { x: 1 }] });
    // An anchor inside itself cannot expand forever.
    expect(() => parseYaml('a: &x [*x]\n')).toThrow(/^yaml: /);
  });

  it.each([
    ['[', "invalid character '[' exceeded max depth", '5b'.repeat(30)],
    ['{"a":', "invalid character '{' exceeded max depth", '{"a":'.repeat(6)],
  ])('answers 3 MiB of %j with a 400 naming the max depth', (open, message, summary) => {
    const body = Buffer.from(open.repeat(MiB3 / open.length));
    for (const contentType of ['application/json', undefined]) {
      const err = statusOf(() => decodeBody(body, contentType, SPACE));
      expect([err.code, err.reason, err.message]).toEqual([400, 'BadRequest', `${PARSE}${message} (${summary} ...)`]);
    }
  });

  const nested = (depth: number, leaf = '"x"') => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
  const spaceWithLabels = (labels: string) =>
    Buffer.from(`{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"x","labels":${labels}}}`);
  // A free-form field (FieldsV1) may nest as deep as the decoder allows; labels are typed and stop at strings.
  const spaceWithFields = (fields: string) =>
    Buffer.from(`{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"x","managedFields":[{"fieldsV1":${fields}}]}}`);

  it('decodes objects as deep as the bound, and everything downstream copes with them', () => {
    const body = spaceWithFields(nested(MAX_JSON_DEPTH - 4));
    const decoded = decodeObject(body, 'application/json', SPACE, { schemaName: SPACE_SCHEMA, catalogue, fieldValidation: 'Strict' });
    expect(jsonDepthExceeds(decoded.object, MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(decoded.object, MAX_JSON_DEPTH - 1)).toBe(true);
    expect(JSON.stringify(decoded.object)).toBe(body.toString());
    expect(() => decodeBody(spaceWithFields(nested(MAX_JSON_DEPTH - 3)), undefined, SPACE)).toThrow('exceeded max depth');
    expect(() => decodeBody(spaceWithLabels(nested(MAX_JSON_DEPTH - 2)), undefined, SPACE, { schemaName: SPACE_SCHEMA, catalogue }))
      .toThrow('json: cannot unmarshal object into Go struct field Space.metadata.labels of type string');
  });

  it('keeps __proto__, constructor and prototype as plain keys', () => {
    const body = Buffer.from('{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"x",'
      + '"labels":{"__proto__":"a","constructor":"b"},"__proto__":{"polluted":true}},"constructor":{"prototype":{"polluted":true}}}');
    const decoded = decodeObject(body, 'application/json', SPACE, { schemaName: SPACE_SCHEMA, catalogue });
    const meta = decoded.object.metadata as Record<string, unknown>;
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(Object.hasOwn(meta, '__proto__')).toBe(true);
    expect(Object.keys(meta.labels as object)).toEqual(['__proto__', 'constructor']);
    expect(decoded.unknown).toEqual(['constructor', 'metadata.__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const yaml = decodeObject(Buffer.from('apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata:\n  name: x\n  __proto__: {polluted: true}\n'),
      'application/yaml', SPACE, { schemaName: SPACE_SCHEMA, catalogue });
    expect(Object.hasOwn(yaml.object.metadata as object, '__proto__')).toBe(true);
    expect(yaml.unknown).toEqual(['metadata.__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('many strict decoding problems', () => {
  it('words no more warnings than the Warning header can carry, and the header is the same', () => {
    const unknown = Array.from({ length: 20000 }, (_, i) => `spec.u${i}`);
    const warnings = strictDecodingOutcome('Space', 'v1alpha1', unknown, ['a'], 'Warn');
    expect(warnings).toHaveLength(MAX_RECORDED_WARNINGS);
    expect(warnings[0]).toBe('duplicate field "a"');
    const all = ['duplicate field "a"', ...unknown.map((u) => `unknown field "${u}"`)];
    expect(warningHeaders(warnings)).toEqual(warningHeaders(all));
    // Strict still lists every one, as upstream does.
    expect(() => strictDecodingOutcome('Space', 'v1alpha1', unknown, [], 'Strict')).toThrow(/unknown field "spec\.u19999"$/);
  });
});
