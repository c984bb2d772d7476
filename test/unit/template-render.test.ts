import { matchesGoRegexp } from '../../storage/apimachinery/go-regexp/go-regexp.js';
import { rejection, renderError } from '../support/render-error.js';
import type { MatchGoRegexp } from '../../storage/apimachinery/go-regexp/worker.js';
import { parseString, walkStrings } from '../../registry/template/parameters.js';
import {
  convertManifest, forceNamespace, RenderError, renderManifests, renderTemplate, resolvePredefined, substituteInValues,
  templateInstanceFailedMessage, templateNotFoundMessage, validateParameters, type RenderContext,
} from '../../registry/template/render.js';
import type { Template, TemplateInstance, TemplateParameter } from '../../registry/template/types.js';
import { goJson, jsonToYaml, resolvePlainScalar, yamlToJson } from '../../storage/apimachinery/yaml.js';

// ---------------------------------------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------------------------------------

function template(parameters: TemplateParameter[] = [], manifests: Array<Record<string, unknown>> = [], name = 'tpl'): Template {
  return { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Template', metadata: { name }, resources: { manifests }, parameters };
}

function instance(parameters: Array<{ name?: string; value?: string }> = [], namespace = 'team-a'): TemplateInstance {
  return {
    apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance',
    metadata: { name: 'ti', namespace }, spec: { template: 'tpl', parameters },
  };
}

const owned: RenderContext = {
  namespace: {
    metadata: {
      name: 'team-a',
      labels: { 'kiosk.sh/account': 'acme', team: 'blue', Tier: 'gold' },
      annotations: { 'example.com/cost-center': '42' },
    },
  },
  account: { metadata: { name: 'acme', labels: { plan: 'pro' }, annotations: { owner: 'alice@example.com' } } },
};
const unowned: RenderContext = { namespace: { metadata: { name: 'team-a' } } };

const configMap = (data: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'cm' }) =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data });

/** Renders one string value through a ConfigMap. */
function renderValue(value: string, ctx: RenderContext = owned, params: TemplateParameter[] = [], given: Array<{ name: string; value: string }> = []): unknown {
  const [obj] = renderManifests(template(params, [configMap({ v: value })]), instance(given), ctx);
  return (obj!.data as Record<string, unknown>).v;
}



/** Matches on the calling thread (the controller uses a GoRegexpWorker; go-regexp.test.ts covers both). */
const inline: MatchGoRegexp = async (pattern, value) => matchesGoRegexp(pattern, value);

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

// ---------------------------------------------------------------------------------------------------------
// The parameter language (Kiosk's pkg/util/parameters tests, and more).
// ---------------------------------------------------------------------------------------------------------

describe('parseString', () => {
  const constant = (text: string) => () => text;
  const identity = (name: string) => name;
  const unresolved = (name: string) => `\${${name}}`;
  const strict = (name: string) => {
    if (name !== 'Test') throw new Error('unexpected var name');
    return 'test';
  };
  const never = () => {
    throw new Error("Shouldn't match at all");
  };

  it.each([
    ['single replace', ' test abc ${Test} ', constant('test'), ' test abc test '],
    ['replacement may look like a variable', '${Test}', constant('${Test}'), '${Test}'],
    ['the name between the braces is passed', ' test abc ${Test} ', strict, ' test abc test '],
    ['single escape', ' test abc $${Test} ', never, ' test abc ${Test} '],
    ['each extra $ escapes one', ' test abc $$${Test} ', never, ' test abc $${Test} '],
    ['multiple', ' test ${ABC}${Test} abc $${Test}${Test} ', constant('test'), ' test testtest abc ${Test}test '],
    ['adjacent', '${Test}${Test}${Test}', identity, 'TestTestTest'],
    ['inside a string a number stays a string', '${integer}', constant('1'), '1'],
    ['inside a string a boolean stays a string', '${bool}', constant('true'), 'true'],
    ['no variables', 'Test', never, 'Test'],
    ['a lone $', 'cost: $5', never, 'cost: $5'],
    ['empty braces', '${}', never, '${}'],
    ['unterminated', '${A', never, '${A'],
    ['spaces are part of the name', '${ A }', identity, ' A '],
    ['an expression not alone is no expression', 'a ${{N}} b', unresolved, 'a ${{N}} b'],
    ['the variable inside it is then "{N"', 'a ${{N}} b', identity, 'a {N} b'],
    ['an escaped expression', '$${{N}}', never, '${{N}}'],
    ['multi-line values', 'a\n${X}\nb', constant('y'), 'a\ny\nb'],
    ['$ patterns in the value are literal', '${X}', constant('$& $1 $$'), '$& $1 $$'],
  ])('%s', (_name, input, replace, output) => {
    expect(parseString(input, replace)).toBe(output);
  });

  it.each([
    ['integer', '1', 1],
    ['float', '1.5', 1.5],
    ['false', 'false', false],
    ['YAML 1.1 yes', 'yes', true],
    ['YAML 1.1 off', 'off', false],
    ['octal', '0755', 493],
    ['hex', '0x1F', 31],
    ['underscores', '1_000', 1000],
    ['exponent', '1e3', 1000],
    ['empty is null', '', null],
    ['tilde is null', '~', null],
    ['string', 'hello', 'hello'],
    ['quoted number stays a string', "'1'", '1'],
    ['timestamp stays a string', '2020-01-01', '2020-01-01'],
    ['list', '[a, 1, yes]', ['a', 1, true]],
    ['map', '{cpu: 100m, replicas: 2}', { cpu: '100m', replicas: 2 }],
    ['block map', 'a: 1\nb:\n- x', { a: 1, b: ['x'] }],
    ['only the first document', 'a\n---\nb', 'a'],
  ])('${{X}} as %s', (_name, text, value) => {
    expect(parseString('${{X}}', (name) => (name === 'X' ? text : '?'))).toEqual(value);
  });

  it('an unresolved ${{X}} comes back as the string ${X}', () => {
    expect(parseString('${{U}}', (name) => `\${${name}}`)).toBe('${U}');
  });

  it('errors of the replace function propagate', () => {
    expect(thrown(() => parseString('${bool}', () => {
      throw new Error('Test Error');
    }))).toBe('Test Error');
  });

  it.each([
    ['a YAML syntax error', '[a', /^error converting YAML to JSON: yaml: /],
    ['NaN', '.nan', /^error converting YAML to JSON: json: unsupported value: NaN$/],
    ['infinity', '-.inf', /^error converting YAML to JSON: json: unsupported value: -Inf$/],
  ])('${{X}} fails on %s', (_name, text, message) => {
    expect(thrown(() => parseString('${{X}}', () => text))).toMatch(message);
  });
});

describe('walkStrings', () => {
  it('replaces string values at every depth, never keys, and does not walk a replacement again', () => {
    const doc = { '${K}': '${V}', n: 1, b: true, z: null, list: ['${V}', ['${V}'], { deep: '${V}' }, 2] };
    walkStrings(doc, (s) => (s === '${V}' ? { inner: '${V}' } : s));
    expect(doc).toEqual({
      '${K}': { inner: '${V}' }, n: 1, b: true, z: null,
      list: [{ inner: '${V}' }, [{ inner: '${V}' }], { deep: { inner: '${V}' } }, 2],
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Resolution: precedence, predefined parameters, case-insensitivity.
// ---------------------------------------------------------------------------------------------------------

describe('renderManifests: resolution', () => {
  const declared: TemplateParameter[] = [{ name: 'A', value: 'default-a' }, { name: 'B', value: 'default-b' }, { name: 'NODEFAULT' }];

  it.each([
    ['the instance value wins over the default', '${A}', [{ name: 'A', value: 'given-a' }], 'given-a'],
    ['the default applies when the instance is silent', '${B}', [{ name: 'A', value: 'given-a' }], 'default-b'],
    ['a declared parameter without default is empty', '[${NODEFAULT}]', [], '[]'],
    ['an undeclared name is left as it is', '${NOPE}', [], '${NOPE}'],
    ['names are case-sensitive', '${a}', [{ name: 'A', value: 'given-a' }], '${a}'],
    ['the first instance value of a name wins', '${A}', [{ name: 'A', value: 'one' }, { name: 'A', value: 'two' }], 'one'],
    ['values are not expanded again', '${A}', [{ name: 'A', value: '${B}' }], '${B}'],
    ['NAMESPACE', '${NAMESPACE}', [], 'team-a'],
    ['namespace, lower case', '${namespace}', [], 'team-a'],
    ['Namespace, mixed case', 'ns-${Namespace}', [], 'ns-team-a'],
    ['ACCOUNT', '${ACCOUNT}', [], 'acme'],
    ['account, lower case', '${account}', [], 'acme'],
    ['a namespace label', '${namespace.metadata.labels.team}', [], 'blue'],
    ['a namespace label, prefix in upper case', '${NAMESPACE.METADATA.LABELS.team}', [], 'blue'],
    ['a namespace label key keeps its case', '${namespace.metadata.labels.Tier}', [], 'gold'],
    ['a namespace annotation', '${Namespace.Metadata.Annotations.example.com/cost-center}', [], '42'],
    ['an account label', '${account.metadata.labels.plan}', [], 'pro'],
    ['an account annotation', '${ACCOUNT.metadata.annotations.owner}', [], 'alice@example.com'],
    ['predefined wins over an instance parameter', '${NAMESPACE}', [{ name: 'NAMESPACE', value: 'mine' }], 'team-a'],
    ['several in one value', '${NAMESPACE}/${A}/$${A}/${B}', [{ name: 'A', value: 'x' }], 'team-a/x/${A}/default-b'],
  ])('%s', (_name, value, given, expected) => {
    const params = [...declared, { name: 'NAMESPACE' }];
    expect(renderValue(value, owned, params, given)).toBe(expected);
  });

  it.each([
    ['a number', '3', 3],
    ['a boolean', 'true', true],
    ['a string', 'abc', 'abc'],
    ['null', '', null],
  ])('${{X}} becomes %s', (_name, value, expected) => {
    expect(renderValue('${{X}}', owned, [{ name: 'X' }], [{ name: 'X', value }])).toEqual(expected);
  });

  it('${{NAMESPACE}} and defaults are typed too', () => {
    expect(renderValue('${{REPLICAS}}', owned, [{ name: 'REPLICAS', value: '2' }])).toBe(2);
    expect(renderValue('${{NAMESPACE}}', owned)).toBe('team-a');
  });

  it('NAMESPACE is the instance namespace', () => {
    expect(resolvePredefined('NAMESPACE', instance([], 'other'), owned)).toBe('other');
  });

  it('an explicit accountName is used for ACCOUNT', () => {
    expect(resolvePredefined('ACCOUNT', instance(), { ...unowned, accountName: 'explicit' })).toBe('explicit');
  });

  it('is undefined for names that are not predefined', () => {
    expect(resolvePredefined('namespaces', instance(), owned)).toBeUndefined();
    expect(resolvePredefined('accounts', instance(), owned)).toBeUndefined();
    expect(resolvePredefined('namespace.metadata.name', instance(), owned)).toBeUndefined();
  });
});

describe('renderManifests: objects', () => {
  it('substitutes in every string value, keys untouched, and leaves the template alone', () => {
    const manifest = {
      apiVersion: '${GROUP}/v1', kind: 'Thing',
      metadata: { name: '${NAME}', labels: { '${NAME}': '${NAME}' } },
      spec: { replicas: '${{REPLICAS}}', list: ['${NAME}', 1, false, null, { x: ['${NAME}'] }] },
    };
    const tpl = template([{ name: 'GROUP', value: 'example.com' }, { name: 'NAME' }, { name: 'REPLICAS', value: '1' }], [manifest]);
    const before = structuredClone(tpl);
    const [obj] = renderManifests(tpl, instance([{ name: 'NAME', value: 'web' }, { name: 'REPLICAS', value: '3' }]), owned);
    expect(obj).toEqual({
      apiVersion: 'example.com/v1', kind: 'Thing',
      metadata: { name: 'web', labels: { '${NAME}': 'web' } },
      spec: { replicas: 3, list: ['web', 1, false, null, { x: ['web'] }] },
    });
    expect(tpl).toEqual(before);
    (obj!.metadata as Record<string, unknown>).name = 'changed';
    expect(manifest.metadata.name).toBe('${NAME}');
  });

  it('keeps the manifests in order and skips null and empty ones', () => {
    const tpl = template([], [configMap({}, { name: 'a' }), {}, null as unknown as Record<string, unknown>, configMap({}, { name: 'b' })]);
    expect(renderManifests(tpl, instance(), owned).map((o) => (o.metadata as { name: string }).name)).toEqual(['a', 'b']);
  });

  it('renders nothing without resources', () => {
    const tpl: Template = { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Template', metadata: { name: 't' } };
    expect(renderManifests(tpl, instance(), owned)).toEqual([]);
  });

  it('does not set namespaces', () => {
    const [obj] = renderManifests(template([], [configMap({})]), instance(), owned);
    expect((obj!.metadata as Record<string, unknown>).namespace).toBeUndefined();
  });
});

describe('renderManifests: ErrorReplaceParameters', () => {
  const prefix = 'Error replacing parameters in manifest: replace parameters: ';
  const noAccountLabel: RenderContext = { namespace: { metadata: { name: 'team-a', labels: { team: 'blue' }, annotations: { a: 'b' } } } };
  const emptyAccountLabel: RenderContext = { namespace: { metadata: { name: 'team-a', labels: { 'kiosk.sh/account': '' } } } };
  const missingAccount: RenderContext = { namespace: owned.namespace };
  const bareAccount: RenderContext = { namespace: owned.namespace, account: { metadata: { name: 'acme' } } };
  const otherAccount: RenderContext = { namespace: owned.namespace, account: { metadata: { name: 'someone-else', labels: { plan: 'x' } } } };
  const emptyMaps: RenderContext = { namespace: { metadata: { name: 'team-a', labels: {}, annotations: {} } } };

  it.each([
    ['namespace annotations, none', unowned, '${namespace.metadata.annotations.a}',
      'namespace team-a has no annotations, however ${namespace.metadata.annotations.a} parameter is used'],
    ['namespace annotations, empty', emptyMaps, '${namespace.metadata.annotations.a}',
      'namespace team-a has no annotations, however ${namespace.metadata.annotations.a} parameter is used'],
    ['namespace labels, none', unowned, '${Namespace.Metadata.Labels.team}',
      'namespace team-a has no labels, however ${Namespace.Metadata.Labels.team} parameter is used'],
    ['namespace label missing', owned, '${namespace.metadata.labels.nope}',
      'nope not found on namespace team-a, however ${namespace.metadata.labels.nope} parameter is used'],
    ['namespace label key is case-sensitive', owned, '${namespace.metadata.labels.TEAM}',
      'TEAM not found on namespace team-a, however ${namespace.metadata.labels.TEAM} parameter is used'],
    ['namespace annotation missing', owned, '${namespace.metadata.annotations.nope}',
      'nope not found on namespace team-a, however ${namespace.metadata.annotations.nope} parameter is used'],
    ['ACCOUNT without account label', noAccountLabel, '${ACCOUNT}',
      'space is not owned by an account, however ${ACCOUNT} parameter is used'],
    ['ACCOUNT without labels', unowned, '${account}', 'space is not owned by an account, however ${account} parameter is used'],
    ['ACCOUNT with an empty account label', emptyAccountLabel, '${ACCOUNT}',
      'space is not owned by an account, however ${ACCOUNT} parameter is used'],
    ['account label without account label', noAccountLabel, '${account.metadata.labels.plan}',
      'space is not owned by an account, however ${account.metadata.labels.plan} parameter is used'],
    ['account gone', missingAccount, '${account.metadata.labels.plan}',
      'account acme that owns namespace team-a does not exist, however ${account.metadata.labels.plan} parameter is used'],
    ['a different account given', otherAccount, '${account.metadata.labels.plan}',
      'account acme that owns namespace team-a does not exist, however ${account.metadata.labels.plan} parameter is used'],
    ['account without annotations', bareAccount, '${account.metadata.annotations.owner}',
      'account acme has no annotations, however ${account.metadata.annotations.owner} parameter is used'],
    ['account without labels', bareAccount, '${ACCOUNT.METADATA.LABELS.plan}',
      'account acme has no labels, however ${ACCOUNT.METADATA.LABELS.plan} parameter is used'],
    ['account label missing', owned, '${account.metadata.labels.nope}',
      'nope not found on account acme, however ${account.metadata.labels.nope} parameter is used'],
    ['account annotation missing', owned, '${account.metadata.annotations.nope}',
      'nope not found on account acme, however ${account.metadata.annotations.nope} parameter is used'],
    ['inside an expression', unowned, '${{ACCOUNT}}', 'space is not owned by an account, however ${ACCOUNT} parameter is used'],
    ['an expression that is not YAML', owned, '${{X}}', 'error converting YAML to JSON: json: unsupported value: +Inf'],
  ])('%s', (_name, ctx, value, message) => {
    const err = renderError(() => renderValue(value, ctx, [{ name: 'X', value: '.inf' }]));
    expect(err).toBeInstanceOf(Error);
    expect(err.reason).toBe('ErrorReplaceParameters');
    expect(err.message).toBe(prefix + message);
  });

  it('ACCOUNT alone does not need the Account to exist', () => {
    expect(renderValue('${ACCOUNT}', missingAccount)).toBe('acme');
  });

  it('an escaped predefined parameter is not resolved, so cannot fail', () => {
    expect(renderValue('$${ACCOUNT}', unowned)).toBe('${ACCOUNT}');
  });
});

describe('renderManifests: ErrorConvertingManifest', () => {
  it.each([
    ['no kind', { apiVersion: 'v1', metadata: { name: 'x' } },
      `Error converting manifest {"apiVersion":"v1","metadata":{"name":"x"}}: Failed to unmarshal manifest: error unmarshaling JSON: `
      + `Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"x"}}'`],
    ['a kind that is not a string', { kind: 3, b: '<&>' },
      `Error converting manifest {"b":"\\u003c\\u0026\\u003e","kind":3}: Failed to unmarshal manifest: error unmarshaling JSON: `
      + `Object 'Kind' is missing in '{"b":"\\u003c\\u0026\\u003e","kind":3}'`],
    ['a list', [1], 'Error converting manifest [1]: Failed to unmarshal manifest: error unmarshaling JSON: '
      + 'json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['a string', 'x', 'Error converting manifest "x": Failed to unmarshal manifest: error unmarshaling JSON: '
      + 'json: cannot unmarshal string into Go value of type map[string]interface {}'],
  ])('%s', (_name, manifest, message) => {
    const err = renderError(() => renderManifests(template([], [manifest as Record<string, unknown>]), instance(), owned));
    expect(err.reason).toBe('ErrorConvertingManifest');
    expect(err.message).toBe(message);
  });

  it('stops at the first failing manifest, replacing as it goes', () => {
    const tpl = template([], [configMap({ v: '${ACCOUNT}' }), { apiVersion: 'v1' }]);
    expect(renderError(() => renderManifests(tpl, instance(), unowned)).reason).toBe('ErrorReplaceParameters');
    expect(renderError(() => renderManifests(tpl, instance(), owned)).reason).toBe('ErrorConvertingManifest');
  });

  it('copies what it converts', () => {
    const manifest = configMap({ a: '1' });
    const [copy] = convertManifest(manifest);
    expect(copy).toEqual(manifest);
    expect(copy).not.toBe(manifest);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Validation.
// ---------------------------------------------------------------------------------------------------------

describe('validateParameters', () => {
  type Given = Array<{ name?: string; value?: string }>;

  it.each<[string, TemplateParameter[], Given]>([
    ['nothing declared, nothing given', [], []],
    ['optional parameters may be left out', [{ name: 'A' }, { name: 'B', value: 'x' }], []],
    ['a required parameter given', [{ name: 'A', required: true }], [{ name: 'A', value: 'x' }]],
    ['a required parameter given empty', [{ name: 'A', required: true }], [{ name: 'A' }]],
    ['validation is unanchored', [{ name: 'A', validation: 'b' }], [{ name: 'A', value: 'abc' }]],
    ['an anchored pattern matching', [{ name: 'A', validation: '^[0-9]+m$' }], [{ name: 'A', value: '500m' }]],
    ['a default is not validated', [{ name: 'A', value: 'bad', validation: '^[0-9]+$' }], []],
    ['an invalid pattern with no value to test is not compiled', [{ name: 'A', validation: '(' }], []],
    ['an unnamed instance parameter is ignored', [], [{ value: 'x' }]],
    ['an unnamed declared parameter is ignored', [{ required: true, validation: '(' }], []],
    ['Go flags', [{ name: 'A', validation: '(?i)^yes$' }], [{ name: 'A', value: 'YES' }]],
    ['Go \\A and \\z', [{ name: 'A', validation: '\\A[a-z]+\\z' }], [{ name: 'A', value: 'abc' }]],
    ['POSIX classes', [{ name: 'A', validation: '^[[:alnum:]-]+$' }], [{ name: 'A', value: 'a-1' }]],
  ])('accepts: %s', async (_name, declared, given) => {
    await expect(validateParameters(template(declared), instance(given), inline)).resolves.toBeUndefined();
  });

  it.each<[string, TemplateParameter[], Given, string]>([
    ['a required parameter missing', [{ name: 'A', required: true }], [],
      'parameter A is required but was not found in template instance'],
    ['a required parameter with a default still missing', [{ name: 'A', value: 'x', required: true }], [{ name: 'B', value: 'y' }],
      'parameter A is required but was not found in template instance'],
    ['an anchored mismatch', [{ name: 'CPU', validation: '^[0-9]+m$' }], [{ name: 'CPU', value: '500mx' }],
      'parameter CPU value 500mx does not match validation pattern ^[0-9]+m$'],
    ['an unanchored mismatch', [{ name: 'A', validation: 'z' }], [{ name: 'A', value: 'abc' }],
      'parameter A value abc does not match validation pattern z'],
    ['an empty value mismatch', [{ name: 'A', validation: '.' }], [{ name: 'A' }],
      'parameter A value  does not match validation pattern .'],
    ['every value of the name is validated', [{ name: 'A', validation: '^a' }], [{ name: 'A', value: 'ab' }, { name: 'A', value: 'ba' }],
      'parameter A value ba does not match validation pattern ^a'],
    ['Go . does not match a newline', [{ name: 'A', validation: '^a.b$' }], [{ name: 'A', value: 'a\nb' }],
      'parameter A value a\nb does not match validation pattern ^a.b$'],
    ['Go \\s is ASCII', [{ name: 'A', validation: '^\\s$' }], [{ name: 'A', value: '\u00a0' }],
      'parameter A value \u00a0 does not match validation pattern ^\\s$'],
    ['an undeclared parameter', [{ name: 'A' }], [{ name: 'NAME', value: 'x' }],
      'parameter NAME does not exist in template tpl'],
    ['names are case-sensitive', [{ name: 'A' }], [{ name: 'a', value: 'x' }],
      'parameter a does not exist in template tpl'],
    ['declared parameters are checked first', [{ name: 'A', required: true }], [{ name: 'UNDECLARED', value: 'x' }],
      'parameter A is required but was not found in template instance'],
    ['in declaration order', [{ name: 'A', validation: 'x' }, { name: 'B', required: true }], [{ name: 'A', value: 'y' }],
      'parameter A value y does not match validation pattern x'],
    ['an invalid pattern', [{ name: 'A', validation: '(abc' }], [{ name: 'A', value: 'abc' }],
      'match string: error parsing regexp: missing closing ): `(abc`'],
    ['a backreference (not RE2)', [{ name: 'A', validation: '(a)\\1' }], [{ name: 'A', value: 'aa' }],
      'match string: error parsing regexp: invalid escape sequence: `\\1`'],
    ['a lookahead (not RE2)', [{ name: 'A', validation: '^(?=a)' }], [{ name: 'A', value: 'a' }],
      'match string: error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
  ])('rejects: %s', async (_name, declared, given, message) => {
    const err = await rejection(validateParameters(template(declared), instance(given), inline));
    expect(err.reason).toBe('ErrorValidatingParameters');
    expect(err.message).toBe(message);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Helm values.
// ---------------------------------------------------------------------------------------------------------

describe('substituteInValues', () => {
  const tpl = template([{ name: 'SIZE', value: '8Gi' }, { name: 'ENABLED', value: 'true' }, { name: 'WORD', value: 'yes' }]);
  const sub = (values: string, ctx: RenderContext = owned) => substituteInValues(values, tpl, instance(), ctx);

  it('leaves empty values alone', () => {
    expect(sub('')).toBe('');
  });

  it('substitutes string values, types expressions, sorts keys and quotes what YAML 1.1 would retype', () => {
    const out = sub([
      'persistence:',
      '  size: ${SIZE}',
      '  enabled: ${{ENABLED}}',
      'fullnameOverride: redis-${NAMESPACE}',
      'word: ${WORD}',
      'already: yes',
      'mode: "0755"',
      'list: [a, "${NAMESPACE}"]',
      '"${SIZE}": key',
    ].join('\n'));
    expect(out).toBe([
      '${SIZE}: key',
      'already: true',
      'fullnameOverride: redis-team-a',
      'list:',
      '- a',
      '- team-a',
      'mode: "0755"',
      'persistence:',
      '  enabled: true',
      '  size: 8Gi',
      'word: "yes"',
      '',
    ].join('\n'));
    expect(yamlToJson(out)).toEqual({
      '${SIZE}': 'key', already: true, fullnameOverride: 'redis-team-a', list: ['a', 'team-a'], mode: '0755',
      persistence: { enabled: true, size: '8Gi' }, word: 'yes',
    });
  });

  it.each([
    ['null values', '# only a comment', 'null\n'],
    ['an empty map', '{}', '{}\n'],
  ])('%s', (_name, values, expected) => {
    expect(sub(values)).toBe(expected);
  });

  it.each([
    ['a list', '- a', 'unmarshal helm values: error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['a string', 'just text', 'unmarshal helm values: error unmarshaling JSON: json: cannot unmarshal string into Go value of type map[string]interface {}'],
    ['NaN', 'a: .nan', 'unmarshal helm values: error converting YAML to JSON: json: unsupported value: NaN'],
    ['a parameter that cannot be resolved', 'a: ${ACCOUNT}', 'replace parameters: space is not owned by an account, however ${ACCOUNT} parameter is used'],
  ])('fails on %s', (_name, values, detail) => {
    const err = renderError(() => sub(values, unowned));
    expect(err.reason).toBe('ErrorReplaceParameters');
    expect(err.message).toBe(`Error replacing parameters in helm values: ${detail}`);
  });

  it('fails on YAML syntax errors', () => {
    const err = renderError(() => sub('a: [b'));
    expect(err.message).toMatch(/^Error replacing parameters in helm values: unmarshal helm values: error converting YAML to JSON: yaml: /);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The rest.
// ---------------------------------------------------------------------------------------------------------

describe('renderTemplate', () => {
  const helmTemplate = (): Template => ({
    ...template([{ name: 'SIZE', value: '1Gi', validation: '^[0-9]+Gi$' }], [configMap({ size: '${SIZE}' })]),
    resources: {
      manifests: [configMap({ size: '${SIZE}' })],
      helm: { chart: { repository: { name: 'redis', repoUrl: 'https://charts.example.com' } }, values: 'size: ${SIZE}\n' },
    },
  });

  it('renders manifests and Helm values, leaving the template alone', async () => {
    const tpl = helmTemplate();
    const out = await renderTemplate(tpl, instance([{ name: 'SIZE', value: '2Gi' }]), owned, inline);
    expect(out.objects).toEqual([configMap({ size: '2Gi' })]);
    expect(out.helm).toEqual({ chart: { repository: { name: 'redis', repoUrl: 'https://charts.example.com' } }, values: 'size: 2Gi\n' });
    expect(tpl.resources!.helm!.values).toBe('size: ${SIZE}\n');
  });

  it('validates first', async () => {
    const tpl = helmTemplate();
    tpl.resources!.manifests!.push({ apiVersion: 'v1' });
    expect((await rejection(renderTemplate(tpl, instance([{ name: 'SIZE', value: '2G' }]), owned, inline))).reason).toBe('ErrorValidatingParameters');
    expect((await rejection(renderTemplate(tpl, instance([{ name: 'SIZE', value: '2Gi' }]), owned, inline))).reason).toBe('ErrorConvertingManifest');
  });

  it('has no helm part without Helm', async () => {
    expect(await renderTemplate(template(), instance(), owned, inline)).toEqual({ objects: [] });
  });
});

describe('forceNamespace', () => {
  it.each<[string, Record<string, unknown>, string, Record<string, unknown>]>([
    ['sets it', { metadata: { name: 'a', namespace: 'elsewhere' } }, 'team-a', { metadata: { name: 'a', namespace: 'team-a' } }],
    ['creates metadata', { kind: 'X' }, 'team-a', { kind: 'X', metadata: { namespace: 'team-a' } }],
    ['removes it for an empty namespace', { metadata: { name: 'a', namespace: 'x' } }, '', { metadata: { name: 'a' } }],
    ['leaves metadata that is not an object', { metadata: 'odd' }, 'team-a', { metadata: 'odd' }],
  ])('%s', (_name, obj, namespace, expected) => {
    expect(forceNamespace(obj, namespace)).toEqual(expected);
  });
});

describe('messages and status', () => {
  it('RenderError carries the status reason and message', () => {
    const err = new RenderError('ErrorHelm', 'Error during helm template: boom');
    expect(err).toBeInstanceOf(Error);
    expect(err.toStatus()).toEqual({ status: 'Failed', reason: 'ErrorHelm', message: 'Error during helm template: boom' });
  });

  it('words TemplateNotFound and the Space create failure as Kiosk does', () => {
    expect(templateNotFoundMessage('space-restrictions')).toBe("The specified template 'space-restrictions' couldn't be found.");
    expect(templateInstanceFailedMessage('restrictions-x1', 'ErrorValidatingParameters', 'parameter A is required but was not found in template instance'))
      .toBe("TemplateInstance 'restrictions-x1' failed with ErrorValidatingParameters: parameter A is required but was not found in template instance");
  });
});

describe('Go YAML and JSON', () => {
  it.each([
    ['', null], ['~', null], ['Null', null], ['y', true], ['Yes', true], ['ON', true], ['n', false], ['Off', false], ['FALSE', false],
    ['0', 0], ['-12', -12], ['+7', 7], ['0755', 493], ['0o17', 15], ['0x1f', 31], ['0b101', 5], ['-0b11', -3], ['08', 8], ['1_000', 1000],
    ['1.5', 1.5], ['.5', 0.5], ['+.5', 0.5], ['1e3', 1000], ['1.', 1], ['.inf', Infinity], ['-.Inf', -Infinity],
  ])('%j is a %p', (text, value) => {
    expect(resolvePlainScalar(text)?.value).toEqual(value);
  });

  it.each([['yES'], ['True1'], ['1e400'], ['0x'], ['2020-01-01'], ['1:30'], ['-'], ['.'], ['0b2'], ['NaN'], ['_1']])('%j stays a string', (text) => {
    expect(resolvePlainScalar(text)).toBeUndefined();
  });

  it('marshals JSON as encoding/json does', () => {
    expect(goJson({ b: '<a&b>', a: [1, 2.5, null, true], 10: 1, 2: 2, u: undefined })).toBe('{"10":1,"2":2,"a":[1,2.5,null,true],"b":"\\u003ca\\u0026b\\u003e"}');
    expect(goJson('\u2028')).toBe('"\\u2028"');
  });

  it('writes YAML that reads back the same', () => {
    const value = { s: ['yes', 'no', '~', '', '0755', '1_000', '1e3', 'a: b', 'multi\nline', ' padded'], n: [1, 1.5, -0.25, 1e21], b: false, z: null };
    expect(yamlToJson(jsonToYaml(value))).toEqual(value);
  });
});
