import fc from 'fast-check';
import { rejection, renderError } from '../support/render-error.js';
import { GoRegexpWorker } from '../../storage/apimachinery/go-regexp/worker.js';
import { matchesGoRegexp } from '../../storage/apimachinery/go-regexp/go-regexp.js';
import { parseHelmOutput } from '../../registry/template/helm.js';
import { parseString, walkStrings } from '../../registry/template/parameters.js';
import { cloneJson, MAX_NESTING_DEPTH, nestsDeeperThan, setOwn } from '../../registry/template/plain-data.js';
import {
  forceNamespace, MAX_ECHO_LENGTH, renderManifests, resolvePredefined, substituteInValues, validateParameters,
  type RenderContext,
} from '../../registry/template/render.js';
import type { Template, TemplateInstance, TemplateParameter } from '../../registry/template/types.js';

// Everything here reads data the way it arrives: parsed from JSON, where `__proto__` is an own key.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the type parameter is the cast of what JSON.parse returns
const fromJson = <T>(text: string): T => JSON.parse(text) as T;

function template(parameters: TemplateParameter[], manifests: unknown[]): Template {
  return { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Template', metadata: { name: 'tpl' }, resources: { manifests: manifests as Array<Record<string, unknown>> }, parameters };
}

function instance(parameters: Array<{ name?: string; value?: string }> = []): TemplateInstance {
  return { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', metadata: { name: 'ti', namespace: 'team-a' }, spec: { template: 'tpl', parameters } };
}

const context: RenderContext = fromJson(`{"namespace": {"metadata": {"name": "team-a",
  "labels": {"kiosk.sh/account": "acme", "__proto__": "from-label", "prototype": "p"},
  "annotations": {"constructor": "from-annotation"}}}}`);

const inline = async (pattern: string, value: string) => matchesGoRegexp(pattern, value);

/** Object.prototype as it is now: its own keys and what they hold. */
const prototypeState = () => Object.getOwnPropertyNames(Object.prototype).map((k) => [k, Object.getOwnPropertyDescriptor(Object.prototype, k)]);



/** A map nested `depth` levels deep (the innermost holds `leaf`), built without recursion. */
function nested(depth: number, leaf: unknown): Record<string, unknown> {
  let node: Record<string, unknown> = { leaf };
  for (let i = 1; i < depth; i++) node = { a: node };
  return node;
}

describe('prototype keys are plain data', () => {
  let before: ReturnType<typeof prototypeState>;
  beforeEach(() => {
    before = prototypeState();
  });
  afterEach(() => {
    expect(prototypeState()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('in manifests: rendered as own keys, substituted inside, prototypes untouched', () => {
    const manifest = fromJson(`{"apiVersion": "v1", "kind": "ConfigMap",
      "metadata": {"name": "cm", "labels": {"__proto__": "\${NAME}", "constructor": "\${NAME}"}},
      "data": {"__proto__": {"polluted": "\${NAME}"}, "constructor": {"prototype": {"polluted": "\${NAME}"}}, "prototype": "\${NAME}"}}`);
    const [obj] = renderManifests(template([{ name: 'NAME', value: 'web' }], [manifest]), instance(), context);
    expect(JSON.parse(JSON.stringify(obj))).toEqual(fromJson(`{"apiVersion": "v1", "kind": "ConfigMap",
      "metadata": {"name": "cm", "labels": {"__proto__": "web", "constructor": "web"}},
      "data": {"__proto__": {"polluted": "web"}, "constructor": {"prototype": {"polluted": "web"}}, "prototype": "web"}}`));
    const data = obj!.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(Object.getOwnPropertyDescriptor(data, '__proto__')?.value).toEqual({ polluted: 'web' });
    // The template keeps its own copy, with the variables.
    expect(Object.getOwnPropertyDescriptor((manifest as { data: object }).data, '__proto__')?.value).toEqual({ polluted: '${NAME}' });
  });

  it('in parameter names and values', async () => {
    const params: TemplateParameter[] = [
      { name: '__proto__', value: 'default', validation: '^[a-z]+$' }, { name: 'constructor', required: true }, { name: 'prototype' },
    ];
    const given = [{ name: '__proto__', value: 'given' }, { name: 'constructor', value: '{"polluted": 1}' }];
    const tpl = template(params, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' },
      data: { a: '${__proto__}', b: '${constructor}', c: '[${prototype}]', d: '${hasOwnProperty}', e: '${toString}' } }]);
    await validateParameters(tpl, instance(given), inline);
    const [obj] = renderManifests(tpl, instance(given), context);
    expect(obj!.data).toEqual({ a: 'given', b: '{"polluted": 1}', c: '[]', d: '${hasOwnProperty}', e: '${toString}' });
    const undeclared = await rejection(validateParameters(tpl, instance([...given, { name: 'toString', value: 'x' }]), inline));
    expect(undeclared.message).toBe('parameter toString does not exist in template tpl');
  });

  // The keys of YAML-decoded data are yaml.ts's to keep (see the report of this change); what is checked
  // here is that no decoded key reaches a prototype.
  it('in ${{X}} values: a YAML map with __proto__ and constructor keys stays plain data', () => {
    const value = parseString('${{X}}', () => '{__proto__: {polluted: yes}, constructor: {prototype: {polluted: yes}}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toHaveLength(2);
  });

  it('in namespace and account labels and annotations: read as own keys only', () => {
    expect(resolvePredefined('namespace.metadata.labels.__proto__', instance(), context)).toBe('from-label');
    expect(resolvePredefined('namespace.metadata.labels.prototype', instance(), context)).toBe('p');
    expect(resolvePredefined('namespace.metadata.annotations.constructor', instance(), context)).toBe('from-annotation');
    expect(() => resolvePredefined('namespace.metadata.labels.constructor', instance(), context))
      .toThrow('constructor not found on namespace team-a, however ${namespace.metadata.labels.constructor} parameter is used');
    expect(() => resolvePredefined('namespace.metadata.annotations.__proto__', instance(), context))
      .toThrow('__proto__ not found on namespace team-a, however ${namespace.metadata.annotations.__proto__} parameter is used');
    expect(() => resolvePredefined('namespace.metadata.labels.hasOwnProperty', instance(), context))
      .toThrow('hasOwnProperty not found on namespace team-a');
  });

  it('in Helm values and Helm output', () => {
    const out = substituteInValues('__proto__:\n  polluted: ${NAMESPACE}\nconstructor:\n  prototype: ${NAMESPACE}\n', template([], []), instance(), context);
    expect(out).toContain('  polluted: team-a\n');
    expect(out).toContain('  prototype: team-a\n');
    const [obj] = parseHelmOutput('---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  __proto__: {polluted: "yes"}\n');
    expect(Object.getPrototypeOf(obj!.data)).toBe(Object.prototype);
  });

  it('in the helpers: setOwn, cloneJson, walkStrings, forceNamespace', () => {
    const target: Record<string, unknown> = {};
    setOwn(target, '__proto__', { polluted: 1 });
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.keys(target)).toEqual(['__proto__']);

    const source = fromJson<Record<string, unknown>>('{"__proto__": {"polluted": "x"}, "list": [{"__proto__": "y"}]}');
    const copy = cloneJson(source);
    expect(copy).not.toBe(source);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: 'x' });
    expect(JSON.stringify(copy)).toBe(JSON.stringify(source));

    walkStrings(copy, (s) => `<${s}>`);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":"<x>"},"list":[{"__proto__":"<y>"}]}');

    const noMetadata = fromJson<Record<string, unknown>>('{"kind": "ConfigMap", "__proto__": {"metadata": {"namespace": "x"}}}');
    forceNamespace(noMetadata, 'team-a');
    expect(Object.getOwnPropertyDescriptor(noMetadata, 'metadata')?.value).toEqual({ namespace: 'team-a' });
  });
});

describe('nesting depth', () => {
  it('a manifest nested 10,000 levels fails ErrorConvertingManifest, without a stack overflow', () => {
    const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'deep' }, data: nested(10_000, '${X}') };
    const err = renderError(() => renderManifests(template([], [manifest]), instance(), context));
    expect(err.reason).toBe('ErrorConvertingManifest');
    expect(err.message).toBe(`Error converting manifest: Failed to unmarshal manifest: error unmarshaling JSON: nested more than ${MAX_NESTING_DEPTH} levels deep`);
  });

  it(`a manifest nested ${MAX_NESTING_DEPTH} levels renders, substitutes at the bottom and serializes`, () => {
    const manifest = { apiVersion: 'v1', kind: 'ConfigMap', data: nested(MAX_NESTING_DEPTH - 1, '${X}') };
    const [obj] = renderManifests(template([{ name: 'X', value: 'bottom' }], [manifest]), instance(), context);
    expect(JSON.stringify(obj)).toContain('{"leaf":"bottom"}');
  });

  it('a ${{X}} value that nests the result too deep fails ErrorReplaceParameters', () => {
    const manifest = { apiVersion: 'v1', kind: 'ConfigMap', data: nested(MAX_NESTING_DEPTH - 2, '${{X}}') };
    const value = `${'['.repeat(10)}1${']'.repeat(10)}`;
    const err = renderError(() => renderManifests(template([{ name: 'X', value }], [manifest]), instance(), context));
    expect(err.reason).toBe('ErrorReplaceParameters');
    expect(err.message).toBe(`Error replacing parameters in manifest: replace parameters: the rendered manifest is nested more than ${MAX_NESTING_DEPTH} levels deep`);
  });

  it('Helm output nested too deep fails ErrorHelm', () => {
    const yaml = `apiVersion: v1\nkind: ConfigMap\ndata: ${'['.repeat(MAX_NESTING_DEPTH)}1${']'.repeat(MAX_NESTING_DEPTH)}\n`;
    const err = renderError(() => parseHelmOutput(yaml));
    expect(err.reason).toBe('ErrorHelm');
    // Refused by the YAML decoder's own depth limit, or else by parseHelmOutput's.
    expect(err.message).toMatch(/^Error during helm template: parse output: /);
  });

  it('the walks are loops: 200,000 levels cost no call stack', () => {
    const deep = nested(200_000, '${X}');
    expect(nestsDeeperThan(deep, 199_999)).toBe(true);
    expect(nestsDeeperThan(deep, 200_000)).toBe(false);
    walkStrings(deep, () => 'done');
    const copy = cloneJson(deep);
    let node = copy;
    for (let i = 1; i < 200_000; i++) node = node.a as Record<string, unknown>;
    expect(node).toEqual({ leaf: 'done' });
  });
});

describe('parameter substitution scans in one pass', () => {
  // Kiosk's VarMatchRegex, as a reference for the scan (fine on short strings).
  const reference = (value: string, replace: (name: string) => string) =>
    value.replace(/\$+?\{[^}]+\}/g, (match) => (match.startsWith('$$') ? match.slice(1) : replace(match.slice(2, -1))));

  it('finds what VarMatchRegex finds', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('$', '{', '}', 'a', '{{', '}}', '\n'), { maxLength: 40 }), (parts) => {
      const value = parts.join('');
      fc.pre(!/^\$\{\{[^}]+\}\}$/.test(value)); // An expression is parsed as YAML: see template-render.test.ts.
      const replace = (name: string) => `<${name}>`;
      expect(parseString(value, replace)).toBe(reference(value, replace));
    }), { numRuns: 5000 });
  });

  it.each([
    ['a run of $', '$'.repeat(1_000_000)],
    ['${ without }', '${'.repeat(500_000)],
    ['$ then one {', `${'$'.repeat(1_000_000)}{`],
  ])('a million characters of %s come back unchanged', (_name, value) => {
    expect(parseString(value, () => 'x')).toBe(value);
  });

  it('a long run of $ before a variable loses one $', () => {
    expect(parseString(`${'$'.repeat(100_000)}{X}`, () => 'x')).toBe(`${'$'.repeat(99_999)}{X}`);
  });
});

describe('validation messages stay small', () => {
  it('a mismatching value is repeated up to MAX_ECHO_LENGTH characters', async () => {
    const value = 'x'.repeat(100_000);
    const err = await rejection(validateParameters(template([{ name: 'A', validation: '^a' }], []), instance([{ name: 'A', value }]), inline));
    expect(err.message).toBe(`parameter A value ${'x'.repeat(MAX_ECHO_LENGTH)}... (${100_000 - MAX_ECHO_LENGTH} more characters) does not match validation pattern ^a`);
  });

  it('a value over the matching limit fails validation', async () => {
    const err = await rejection(validateParameters(template([{ name: 'A', validation: 'a' }], []), instance([{ name: 'A', value: 'a'.repeat(2_000_000) }]), inline));
    expect(err.reason).toBe('ErrorValidatingParameters');
    expect(err.message).toBe('parameter A cannot be validated: the value is 2000000 characters long, more than the 1048576 a validated value may have');
  });

  it('a pattern that cannot be decided in time fails validation, naming pattern and parameter', async () => {
    const worker = new GoRegexpWorker({ deadlineMs: 500 });
    try {
      const tpl = template([{ name: 'A', validation: '(a?){1000}a{1000}' }], []);
      const err = await rejection(validateParameters(tpl, instance([{ name: 'A', value: `${'a'.repeat(999)}b`.repeat(256) }]), worker.match));
      expect(err.reason).toBe('ErrorValidatingParameters');
      expect(err.message).toBe('match string: validation pattern (a?){1000}a{1000} on the 256000-character value of parameter A: matching did not finish within 0.5s');
      // The catastrophic pattern of the issue, decided at once on the same thread.
      const redos = template([{ name: 'A', validation: '^(a+)+$' }], []);
      const mismatch = await rejection(validateParameters(redos, instance([{ name: 'A', value: `${'a'.repeat(40)}!` }]), worker.match));
      expect(mismatch.message).toBe(`parameter A value ${'a'.repeat(40)}! does not match validation pattern ^(a+)+$`);
    } finally {
      worker.close();
    }
  });
});
