/**
 * The fuzzer's generators: request bodies for Space and Account (from the server's own OpenAPI schemas, then
 * mutated), patches, DeleteOptions, list/watch/write query parameters, AdmissionReviews for every hook the
 * server serves, and whole requests over every verb. Everything here yields small recipes (see payload.ts);
 * `materializeRequest` turns one into bytes when it is sent. Sizes scale with `FuzzScale`, so the unit suite
 * stays within a few seconds while the sandbox run sends bodies up to (and past) the 3 MiB body limit.
 */
import { dumpYaml } from '@kubernetes/client-node';
import fc from 'fast-check';
import { allSchemas, definitionName } from '../../registry/openapi/schemas.js';
import type { Schema } from '../../storage/apimachinery/openapi/schema.js';
import { DELETE_OPTIONS } from '../../storage/apimachinery/openapi/upstream.js';
import type { Mutation, Payload } from './payload.js';
import { toJsonBytes, YAML_SPECIALS } from './payload.js';
import type { Hints } from './schema-arbitrary.js';
import { schemaArbitrary, textArbitrary } from './schema-arbitrary.js';

export const TENANCY = 'tenancy.kiosk.sh/v1alpha1';
export const CONFIG = 'config.kiosk.sh/v1alpha1';
/** The hooks apiserver/main.ts registers (buildAccountQuotas' two, validate-account, buildPolicyHooks' two). */
export const ADMISSION_HOOKS = ['accountquota', 'validate-accountquota', 'validate-account', 'policy', 'policy-defaults'] as const;

export const CATALOGUE: Readonly<Record<string, Schema>> = allSchemas();
export const SPACE_SCHEMA = definitionName('tenancy.kiosk.sh', 'v1alpha1', 'Space');
export const ACCOUNT_SCHEMA = definitionName('tenancy.kiosk.sh', 'v1alpha1', 'Account');

/** What one run's requests refer to: names that exist (or may), the tenant, and a quota'd space. */
export interface FuzzContext {
  /** Names for spaces and accounts: creates, updates, patches and deletes meet each other on them. */
  names: readonly string[];
  /** Accounts that exist, for spec.account. */
  accounts: readonly string[];
  /** Namespaces of an account with an AccountQuota, where the accountquota hook does its whole work. */
  quotaSpaces: readonly string[];
  /** The impersonated tenant (a subject of `accounts[0]`, bound to kiosk-edit). */
  tenant: string;
}

/** `unit` keeps payloads in-process sized; `server` goes up to and past the 3 MiB request limit. */
export type FuzzScale = 'unit' | 'server';

// ---------------------------------------------------------------------------------------------------------
// Payloads and mutations.
// ---------------------------------------------------------------------------------------------------------

const HUGE_SIZES: Record<FuzzScale, number[]> = {
  unit: [4 * 1024, 64 * 1024, 200 * 1024, 512 * 1024],
  server: [64 * 1024, 200 * 1024, 1024 * 1024, 2_500_000, 4 * 1024 * 1024],
};
const DEPTHS: Record<FuzzScale, number[]> = {
  unit: [100, 1_000, 5_000, 20_000, 100_000],
  server: [1_000, 5_000, 20_000, 100_000, 1_000_000],
};
const WIDTHS: Record<FuzzScale, number[]> = { unit: [1_000, 20_000], server: [1_000, 50_000, 200_000] };

export const RAW_NUMBERS = ['1e400', '-1e400', '-0', '-0.0', '0e0', '1E-400', '123456789012345678901234567890', '9007199254740993',
  '-9223372036854775809', '18446744073709551616', '1.00000000000000000000000001', '0.1e-999999999', '1e999999999', '2147483648', '-2147483649'];

/**
 * kube-apiserver itself does not answer a pod whose quantity is a JSON number with a nine-digit exponent
 * (`0.1e-999999999`): the same dry-run create in `default`, where no webhook of ours applies, times out after
 * 60 s. Objects it must decode are spared those; reviews sent straight to our port still carry them.
 */
function decodableByApiserver(m: Mutation): boolean {
  const value = 'value' in m ? m.value : undefined;
  return !(value?.kind === 'rawNumber' && /e[-+]?\d{6,}/i.test(value.text));
}

/**
 * Nor does it answer in time a config.kiosk.sh object whose array holds thousands of wrong items: a CRD's
 * schema validation (kube-openapi) builds an error per item and takes time quadratic in them (2,000 integers in
 * AccountQuota spec.quota.scopes: 27 s and a 1.4 MB message on the sandbox; 20,000: its 504 Timeout), before
 * any webhook of ours is called. Only cluster admins write these kinds. Objects sent to a CRD through
 * kube-apiserver are spared wide arrays; reviews sent straight to our port still carry them.
 */
function validatableByApiserver(m: Mutation): boolean {
  const value = 'value' in m ? m.value : undefined;
  return !(value?.kind === 'wide' && value.count > 1_000);
}

export function payloadArbitrary(scale: FuzzScale): fc.Arbitrary<Payload> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.oneof(fc.constant(null), fc.constant(true), fc.constant(0), fc.constant(-1), fc.constant(1.5), fc.constant(''),
      fc.constant([]), fc.constant({}), fc.constant('x'), fc.constant([null]), fc.constant({ polluted: 'yes' }), fc.jsonValue({ maxDepth: 2 }))
      .map((value): Payload => ({ kind: 'json', value })) },
    { weight: 1, arbitrary: fc.record({ size: fc.constantFrom(...HUGE_SIZES[scale]), char: fc.constantFrom('a', '9', '\u0000', '😀', '\ud800', 'é', '\\', '"') })
      .map(({ size, char }): Payload => ({ kind: 'hugeString', size, char })) },
    { weight: 3, arbitrary: fc.constantFrom(...RAW_NUMBERS).map((text): Payload => ({ kind: 'rawNumber', text })) },
    { weight: 1, arbitrary: fc.record({ depth: fc.constantFrom(...DEPTHS[scale]), shape: fc.constantFrom('array' as const, 'object' as const) })
      .map(({ depth, shape }): Payload => ({ kind: 'deep', depth, shape })) },
    { weight: 1, arbitrary: fc.record({ count: fc.constantFrom(...WIDTHS[scale]), shape: fc.constantFrom('array' as const, 'object' as const) })
      .map(({ count, shape }): Payload => ({ kind: 'wide', count, shape })) },
    { weight: 1, arbitrary: fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82])
      .map((bytes): Payload => ({ kind: 'badUtf8', bytes: [...bytes] })) },
  );
}

export const keyArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__') },
  { weight: 2, arbitrary: fc.constantFrom('metadata', 'spec', 'status', 'apiVersion', 'kind', 'name', 'labels', 'subjects', 'account', 'bogus', 'items') },
  { weight: 2, arbitrary: textArbitrary },
);

export function mutationArbitrary(scale: FuzzScale): fc.Arbitrary<Mutation> {
  const payload = payloadArbitrary(scale);
  const at = fc.nat({ max: 64 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), at, key: keyArbitrary, value: payload }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at, index: fc.nat({ max: 16 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), at, value: payload }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at, index: fc.nat({ max: 16 }), value: payload }) },
    // Small values only: the payload is repeated in every object of the body.
    { weight: 1, arbitrary: fc.record({ op: fc.constant('protoEverywhere' as const), value: payloadArbitrary(scale).filter((p) => p.kind === 'json' || p.kind === 'rawNumber') }) },
  );
}

/** No mutation half the time (well-formed bodies reach the deepest code), up to three otherwise. */
export const mutationsArbitrary = (scale: FuzzScale): fc.Arbitrary<Mutation[]> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 1, arbitrary: fc.array(mutationArbitrary(scale), { minLength: 1, maxLength: 3 }) });

// ---------------------------------------------------------------------------------------------------------
// Objects and bodies.
// ---------------------------------------------------------------------------------------------------------

const oneOfWeighted = <T>(likely: fc.Arbitrary<T>, other: fc.Arbitrary<T>, weight = 3) =>
  fc.oneof({ weight, arbitrary: likely }, { weight: 1, arbitrary: other });

function hints(ctx: FuzzContext): Hints {
  return {
    name: oneOfWeighted(fc.constantFrom(...ctx.names, ctx.tenant), textArbitrary),
    account: oneOfWeighted(fc.constantFrom(...ctx.accounts, ...ctx.names), textArbitrary),
    apiGroup: oneOfWeighted(fc.constantFrom('rbac.authorization.k8s.io', ''), textArbitrary),
    kind: oneOfWeighted(fc.constantFrom('User', 'Group', 'ServiceAccount'), textArbitrary),
    namespace: oneOfWeighted(fc.constantFrom('default', ...ctx.quotaSpaces), textArbitrary),
    clusterRole: oneOfWeighted(fc.constantFrom('admin', 'edit', 'view', '', 'cluster-admin'), textArbitrary),
    limit: fc.oneof(fc.integer({ min: -3, max: 10 }), fc.constant(2 ** 31 - 1)),
  };
}

/** A Space or Account from the published schema, with the top-level apiVersion, kind and name usually right. */
export function objectArbitrary(kind: 'Space' | 'Account', ctx: FuzzContext, apiVersion = TENANCY): fc.Arbitrary<Record<string, unknown>> {
  const schemaName = kind === 'Space' ? SPACE_SCHEMA : ACCOUNT_SCHEMA;
  const fromSchema = schemaArbitrary(CATALOGUE, schemaName, { hints: hints(ctx) });
  const plausibleSpec = kind === 'Space'
    ? fc.record({ account: fc.constantFrom(...ctx.accounts, '') }, { requiredKeys: [] })
    : schemaArbitrary(CATALOGUE, (CATALOGUE[ACCOUNT_SCHEMA]!.properties!.spec)!, { hints: hints(ctx), maxDepth: 4 });
  const plausible = fc.record({
    apiVersion: fc.constant(apiVersion), kind: fc.constant(kind),
    metadata: fc.record({ name: fc.constantFrom(...ctx.names), labels: fc.dictionary(fc.constantFrom('team', 'a', 'kiosk.sh/account'), fc.constantFrom('x', 'y', ''), { maxKeys: 2 }) }, { requiredKeys: ['name'] }),
    spec: plausibleSpec,
  });
  const generated = fc.tuple(fromSchema, fc.nat({ max: 9 }), fc.nat({ max: 9 }), fc.boolean()).map(([value, v, k, keepRv]) => {
    const obj = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
    if (v < 8) obj.apiVersion = apiVersion;
    if (k < 8) obj.kind = kind;
    const meta = obj.metadata as Record<string, unknown> | undefined;
    if (meta && !keepRv) delete meta.resourceVersion;
    return obj;
  });
  return fc.oneof({ weight: 2, arbitrary: plausible }, { weight: 3, arbitrary: generated });
}

export type BodyRecipe =
  /** JSON text of `base` with `mutations` (sent as YAML too: a JSON document is a YAML document). */
  | { type: 'value'; base: unknown; mutations: Mutation[] }
  /** The base as block-style YAML. */
  | { type: 'blockYaml'; base: unknown }
  | { type: 'yaml'; name: string }
  | { type: 'raw'; text: string }
  /** JSON patches that try to blow up: each copy doubles the object; or more operations than allowed. */
  | { type: 'patchBomb'; shape: 'copy' | 'many'; n: number };

export const RAW_BODIES = ['', ' ', 'null', '[]', '{}', '"x"', '1', 'true', '{', '}', '{"a":1}}', '\u0000', '{"kind":"Space"', 'garbage',
  '\ufeff{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"bom"}}', '{"a":1,}', '{/*c*/}', '{"a":NaN}',
  "{'a':1}", '{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space"}{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space"}',
  '{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"a\\ud800"}}', '{"apiVersion":1,"kind":[]}',
  '{"apiVersion":"a/b/c","kind":"Space"}', '{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":null}',
  '{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":"x","spec":[]}', '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}', '[{"op":"add","path":"/__proto__/polluted","value":"yes"}]',
  '[{"op":"add","path":"/constructor/prototype/polluted","value":"yes"}]', '{"metadata":{"__proto__":{"polluted":"yes"}}}'];

export function bodyArbitrary(value: fc.Arbitrary<unknown>, scale: FuzzScale): fc.Arbitrary<BodyRecipe> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.record({ type: fc.constant('value' as const), base: value, mutations: mutationsArbitrary(scale) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('blockYaml' as const), base: value }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('yaml' as const), name: fc.constantFrom(...Object.keys(YAML_SPECIALS)) }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('raw' as const), text: fc.oneof(fc.constantFrom(...RAW_BODIES), fc.string({ unit: 'binary', maxLength: 40 })) }) },
  );
}

export function materializeBody(body: BodyRecipe): Buffer {
  switch (body.type) {
    case 'value': return toJsonBytes(body.base, body.mutations);
    case 'blockYaml': {
      try {
        return Buffer.from(dumpYaml(body.base));
      } catch {
        return toJsonBytes(body.base);
      }
    }
    case 'yaml': return Buffer.from((YAML_SPECIALS[body.name] ?? (() => ''))());
    case 'raw': return Buffer.from(body.text, 'utf8');
    case 'patchBomb': {
      const ops = body.shape === 'copy'
        ? [{ op: 'add', path: '/metadata/annotations', value: { seed: 'x'.repeat(1024) } },
          ...Array.from({ length: body.n }, (_, i) => ({ op: 'copy', from: '/metadata/annotations', path: `/metadata/annotations/c${i}` }))]
        : Array.from({ length: body.n }, () => ({ op: 'test', path: '/metadata/name', value: 'x' }));
      return Buffer.from(JSON.stringify(ops));
    }
  }
}

export const CREATE_CONTENT_TYPES = ['application/json', 'application/yaml', 'application/json; charset=utf-8', 'application/vnd.kubernetes.protobuf',
  'text/plain', 'application/merge-patch+json', '', 'application/json;;;', 'APPLICATION/JSON', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', '*/*', 'application/json; charset=utf-16', 'application/cbor', 'application/yaml; charset=latin1'];

export const contentTypeArbitrary = (likely: string[], all: string[]) =>
  oneOfWeighted(fc.constantFrom(...likely), fc.oneof(fc.constantFrom(...all), textArbitrary), 6);

// ---------------------------------------------------------------------------------------------------------
// Patches and DeleteOptions.
// ---------------------------------------------------------------------------------------------------------

export const PATCH_CONTENT_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
  'application/apply-patch+yaml', 'application/apply-patch+cbor', 'application/json', 'application/json-patch+json; charset=utf-8', 'text/plain'];

const POINTERS = ['/metadata/labels/a', '/metadata/annotations/x', '/spec/account', '/spec/subjects/0', '/spec/subjects/-', '/metadata/name',
  '/metadata/resourceVersion', '/metadata', '', '/', '/spec/subjects/99999999999999999999', '/metadata/labels/a~1b', '/metadata/labels/~2',
  '/__proto__/polluted', '/constructor/prototype/polluted', '/metadata/__proto__/x', '/spec/subjects/-1', '/spec/subjects/01', 'noslash',
  '/metadata/labels/__proto__', '/spec/space/limit', '/spec/space/templateInstances/0/spec/parameters/0/value', '/status/phase', '/kind',
  '/apiVersion', '/metadata/finalizers/0', '/spec/finalizers/-', `/${'a/'.repeat(500)}x`, '/metadata/labels/kiosk.sh~1account'];

export const pointerArbitrary: fc.Arbitrary<string> = oneOfWeighted(fc.constantFrom(...POINTERS),
  fc.array(fc.oneof(keyArbitrary, fc.nat({ max: 5 }).map(String), fc.constant('-')), { maxLength: 5 }).map((s) => `/${s.join('/')}`));

export function jsonPatchArbitrary(ctx: FuzzContext): fc.Arbitrary<unknown[]> {
  const value = fc.oneof(textArbitrary, fc.constantFrom(...ctx.names), fc.jsonValue({ maxDepth: 2 }),
    schemaArbitrary(CATALOGUE, 'io.k8s.api.rbac.v1.Subject', { hints: hints(ctx) }));
  const op = fc.record({
    op: oneOfWeighted(fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test'), fc.oneof(textArbitrary, fc.constantFrom('ADD', '', 'merge'))),
    path: pointerArbitrary, from: pointerArbitrary, value,
  }, { requiredKeys: ['op', 'path'] });
  return fc.array(op, { maxLength: 5 });
}

export function patchBodyArbitrary(kind: 'Space' | 'Account', ctx: FuzzContext, scale: FuzzScale): fc.Arbitrary<BodyRecipe> {
  const mergePatch = objectArbitrary(kind, ctx).map((o) => {
    // A merge patch rarely restates apiVersion and kind; null deletes.
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  });
  return fc.oneof(
    { weight: 6, arbitrary: bodyArbitrary(jsonPatchArbitrary(ctx), scale) },
    { weight: 6, arbitrary: bodyArbitrary(mergePatch, scale) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('patchBomb' as const), shape: fc.constantFrom('copy' as const, 'many' as const), n: fc.constantFrom(12, 30, 11_000) }) },
  );
}

export function deleteBodyArbitrary(scale: FuzzScale): fc.Arbitrary<BodyRecipe | undefined> {
  const options = fc.tuple(schemaArbitrary(CATALOGUE, DELETE_OPTIONS, {
    hints: {
      propagationPolicy: oneOfWeighted(fc.constantFrom('Foreground', 'Background', 'Orphan'), textArbitrary),
      dryRun: fc.array(oneOfWeighted(fc.constant('All'), textArbitrary), { maxLength: 2 }),
    },
  }), fc.constantFrom('v1', 'meta.k8s.io/v1', TENANCY, 'bogus/v1', ''), fc.constantFrom('DeleteOptions', 'Space', '')).map(([o, apiVersion, kind]) => ({
    ...(o as Record<string, unknown>), apiVersion, kind,
  }));
  return fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: bodyArbitrary(options, scale) });
}

// ---------------------------------------------------------------------------------------------------------
// Query parameters.
// ---------------------------------------------------------------------------------------------------------

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** Per parameter: the values a client sends and the ones that probe the parser. */
export const QUERY_VALUES: Readonly<Record<string, fc.Arbitrary<string>>> = {
  labelSelector: fc.oneof(
    fc.constantFrom('a=b', 'a in (x,y)', '!a', 'a,b!=c', 'kiosk.sh/account=x', 'a>1', 'a notin (x)', 'a==b', '', ',', 'a in ()', '((',
      'a in (x', '=b', 'a=b=c', 'x/y/z=1', `${'a'.repeat(70)}=b`, 'a=\u0000'),
    fc.constantFrom(2_000, 20_000).map((n) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(',')),
    fc.constantFrom(5_000).map((n) => `a in (${Array.from({ length: n }, (_, i) => `v${i}`).join(',')})`),
    textArbitrary),
  fieldSelector: fc.oneof(
    fc.constantFrom('metadata.name=x', 'metadata.namespace!=y', 'spec.account=x', 'metadata.name==a', 'a', '=', 'metadata.name=a\\,b',
      'metadata.name=\\', 'metadata.name=a,metadata.name!=b', `metadata.name=${'\\\\'.repeat(10_000)}`, 'metadata.name in (a)'),
    fc.constantFrom(5_000).map((n) => Array.from({ length: n }, () => 'metadata.name!=a').join(',')),
    textArbitrary),
  limit: fc.constantFrom('0', '1', '2', '500', '-1', 'abc', '99999999999999999999', '1e3', '1.5', '', ' 1', '0x10'),
  continue: fc.oneof(
    fc.constantFrom('', 'abc', '!!!', '%', b64('{"v":"meta.k8s.io/v1","rv":1,"start":"a"}'), b64('{"v":"meta.k8s.io/v1","rv":1e400,"start":"a"}'),
      b64('{"v":"meta.k8s.io/v1","rv":-1,"start":{}}'), b64('{"__proto__":{"polluted":"yes"},"v":"meta.k8s.io/v1","rv":1,"start":""}'),
      b64('[]'), b64('null'), b64(`{"v":"meta.k8s.io/v1","rv":99999999999,"start":"${'a'.repeat(100_000)}"}`)),
    textArbitrary.map(b64)),
  resourceVersion: fc.constantFrom('', '0', '1', '999999999999999999999', 'abc', '-1', '1.5', ' '),
  resourceVersionMatch: fc.constantFrom('Exact', 'NotOlderThan', '', 'bogus', 'exact'),
  timeoutSeconds: fc.constantFrom('1', '0', '-1', 'abc', '99999999999', '1e9', ''),
  watch: fc.constantFrom('true', 'false', '1', '0', 'yes', '', 'TRUE'),
  allowWatchBookmarks: fc.constantFrom('true', 'false', 'x'),
  sendInitialEvents: fc.constantFrom('true', 'false', 'x', ''),
  fieldValidation: fc.constantFrom('Strict', 'Warn', 'Ignore', '', 'strict', 'bogus'),
  dryRun: fc.constantFrom('All', '', 'bogus', 'All,All', 'all'),
  fieldManager: fc.oneof(textArbitrary, fc.constantFrom('a'.repeat(129), '\u0000', 'kubectl', 'x\u202e')),
  gracePeriodSeconds: fc.constantFrom('0', '30', '-1', 'x', '99999999999999999999', ''),
  propagationPolicy: fc.constantFrom('Foreground', 'Background', 'Orphan', 'nil', '', 'x'),
  orphanDependents: fc.constantFrom('true', 'false', 'x'),
  force: fc.constantFrom('true', 'false', ''),
  pretty: fc.constantFrom('true', '1'),
  includeObject: fc.constantFrom('Object', 'Metadata', 'None', 'x'),
  // Computed, so that it is a key and not the literal's prototype.
  ['__proto__']: fc.constantFrom('x', 'polluted'),
  constructor: fc.constantFrom('x'),
  'a[b]': fc.constantFrom('c'),
};

/** A query: parameter pairs (a key may repeat); lists and watches keep a timeout so a watch ends. */
export function queryArbitrary(keys: readonly string[] = Object.keys(QUERY_VALUES)): fc.Arbitrary<Array<[string, string]>> {
  const pair = fc.constantFrom(...keys).chain((k) => (QUERY_VALUES[k] ?? textArbitrary).map((v): [string, string] => [k, v]));
  return fc.array(oneOfWeighted(pair, fc.tuple(textArbitrary, textArbitrary), 8), { maxLength: 4 });
}

// ---------------------------------------------------------------------------------------------------------
// AdmissionReviews.
// ---------------------------------------------------------------------------------------------------------

/** Quantities as kube-apiserver might hand them over, and ones it never would (the webhook is reachable). */
export const quantityArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('100m', '1', '2Gi', '0', '1e3', '1.5', '500Mi', '1Ki', '0.001', '9Ei', '1E', '1000000000000000000000000000000') },
  { weight: 3, arbitrary: fc.stringMatching(/^[+-]?[0-9]{1,24}(\.[0-9]{0,12})?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]{1,5})?$/) },
  { weight: 2, arbitrary: fc.constantFrom('-0', '1e400', 'NaN', 'Infinity', '', ' 1', '1 ', '--1', '1m1', '0.0000000000000000000001m', '1e-400', '9'.repeat(5_000)) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(null), fc.constant({}), fc.constant([])) },
  { weight: 1, arbitrary: textArbitrary },
);

const RESOURCE_NAMES = ['pods', 'cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory', 'requests.storage',
  'services', 'services.loadbalancers', 'services.nodeports', 'persistentvolumeclaims', 'count/configmaps', 'count/deployments.apps',
  'requests.nvidia.com/gpu', 'hugepages-2Mi', 'ephemeral-storage', 'standard.storageclass.storage.k8s.io/requests.storage', 'configmaps', 'secrets'];

const resourceList = fc.dictionary(oneOfWeighted(fc.constantFrom(...RESOURCE_NAMES), textArbitrary), quantityArbitrary, { maxKeys: 4 });

const container = fc.record({
  name: textArbitrary, image: fc.constant('nginx'),
  resources: fc.record({ limits: resourceList, requests: resourceList, claims: fc.array(fc.record({ name: textArbitrary }), { maxLength: 1 }) }, { requiredKeys: [] }),
}, { requiredKeys: ['name'] });

function podArbitrary(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({
    apiVersion: fc.constant('v1'), kind: fc.constant('Pod'),
    metadata: fc.record({ name: textArbitrary, namespace: fc.constantFrom(...ctx.quotaSpaces) }),
    spec: fc.record({
      containers: fc.array(container, { maxLength: 3 }),
      initContainers: fc.array(container, { maxLength: 2 }),
      overhead: resourceList,
      priorityClassName: oneOfWeighted(fc.constantFrom('high', 'low', ''), textArbitrary),
      activeDeadlineSeconds: fc.oneof(fc.integer(), fc.constant(null)),
      restartPolicy: fc.constantFrom('Always', 'Never', 'OnFailure'),
      affinity: fc.record({ podAffinity: fc.record({ requiredDuringSchedulingIgnoredDuringExecution: fc.array(fc.record({ namespaces: fc.array(textArbitrary, { maxLength: 2 }), namespaceSelector: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }) }) }, { requiredKeys: [] }),
    }, { requiredKeys: ['containers'] }),
    status: fc.record({ phase: fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', '') }, { requiredKeys: [] }),
  }, { requiredKeys: ['apiVersion', 'kind', 'metadata', 'spec'] });
}

function otherCountedObject(ctx: FuzzContext): fc.Arbitrary<[string, Record<string, unknown>]> {
  const meta = fc.record({ name: textArbitrary, namespace: fc.constantFrom(...ctx.quotaSpaces) });
  return fc.oneof(
    fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Service'), metadata: meta, spec: fc.record({ type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'x'), ports: fc.array(fc.record({ port: fc.integer(), nodePort: fc.integer() }, { requiredKeys: [] }), { maxLength: 3 }) }, { requiredKeys: [] }) }).map((o): [string, Record<string, unknown>] => ['services', o]),
    fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('PersistentVolumeClaim'), metadata: meta, spec: fc.record({ storageClassName: fc.oneof(textArbitrary, fc.constant(null)), resources: fc.record({ requests: resourceList }) }, { requiredKeys: [] }) }).map((o): [string, Record<string, unknown>] => ['persistentvolumeclaims', o]),
    fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('ConfigMap'), metadata: meta, data: fc.dictionary(textArbitrary, textArbitrary, { maxKeys: 2 }) }).map((o): [string, Record<string, unknown>] => ['configmaps', o]),
  );
}

function accountQuotaArbitrary(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({
    apiVersion: fc.constant(CONFIG), kind: fc.constant('AccountQuota'),
    metadata: fc.record({ name: oneOfWeighted(fc.constantFrom(...ctx.names), textArbitrary) }),
    spec: fc.record({
      account: fc.constantFrom(...ctx.accounts),
      quota: fc.record({
        hard: resourceList,
        scopes: fc.array(oneOfWeighted(fc.constantFrom('Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'), textArbitrary), { maxLength: 3 }),
        scopeSelector: fc.record({
          matchExpressions: fc.array(fc.record({
            scopeName: oneOfWeighted(fc.constantFrom('PriorityClass', 'Terminating', 'BestEffort', 'CrossNamespacePodAffinity'), textArbitrary),
            operator: oneOfWeighted(fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'), textArbitrary),
            values: fc.array(textArbitrary, { maxLength: 3 }),
          }, { requiredKeys: [] }), { maxLength: 3 }),
        }, { requiredKeys: [] }),
      }, { requiredKeys: [] }),
    }, { requiredKeys: [] }),
  }, { requiredKeys: ['metadata', 'spec'] });
}

export interface AdmissionRecipe {
  hook: string;
  review: BodyRecipe;
}

const gvr = (group: string, version: string, resource: string) => ({ group, version, resource });

export function admissionReviewArbitrary(ctx: FuzzContext, scale: FuzzScale): fc.Arbitrary<AdmissionRecipe> {
  const operation = oneOfWeighted(fc.constantFrom('CREATE', 'UPDATE'), fc.oneof(fc.constantFrom('DELETE', 'CONNECT', ''), textArbitrary), 6);
  const user = fc.record({ username: oneOfWeighted(fc.constantFrom(ctx.tenant, 'system:admin'), textArbitrary), groups: fc.array(textArbitrary, { maxLength: 3 }) });
  const common = {
    uid: oneOfWeighted(fc.uuid(), fc.oneof(textArbitrary, fc.constant(''))), operation, userInfo: user,
    dryRun: fc.boolean(), subResource: fc.constantFrom('', 'status', 'scale'),
  };
  const forObjects = (hook: string, objects: fc.Arbitrary<[{ group: string; version: string; resource: string }, string, Record<string, unknown>]>) =>
    fc.record({ common: fc.record(common, { requiredKeys: ['uid', 'operation', 'userInfo'] }), target: objects, old: fc.option(objects, { nil: undefined }), namespace: fc.constantFrom(...ctx.quotaSpaces, '', 'default'), nameOf: fc.boolean() })
      .map(({ common: c, target: [resource, kind, object], old, namespace, nameOf }) => ({
        hook,
        value: {
          apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
          request: {
            ...c, kind: { group: resource.group, version: resource.version, kind }, resource, namespace,
            ...(nameOf ? { name: (object.metadata as { name?: unknown } | undefined)?.name } : {}),
            object, ...(old ? { oldObject: old[2] } : {}),
          },
        },
      }));
  const counted = fc.oneof(
    { weight: 3, arbitrary: podArbitrary(ctx).map((o): [ReturnType<typeof gvr>, string, Record<string, unknown>] => [gvr('', 'v1', 'pods'), 'Pod', o]) },
    { weight: 2, arbitrary: otherCountedObject(ctx).map(([r, o]): [ReturnType<typeof gvr>, string, Record<string, unknown>] => [gvr('', 'v1', r), String(o.kind), o]) },
  );
  const quota = accountQuotaArbitrary(ctx).map((o): [ReturnType<typeof gvr>, string, Record<string, unknown>] => [gvr('config.kiosk.sh', 'v1alpha1', 'accountquotas'), 'AccountQuota', o]);
  const account = objectArbitrary('Account', ctx, CONFIG).map((o): [ReturnType<typeof gvr>, string, Record<string, unknown>] => [gvr('config.kiosk.sh', 'v1alpha1', 'accounts'), 'Account', o]);
  const reviews = fc.oneof(forObjects('accountquota', counted), forObjects('validate-accountquota', quota), forObjects('validate-account', account),
    forObjects('policy', counted), forObjects('policy-defaults', counted));
  const hookName = oneOfWeighted(fc.constant(undefined), fc.constantFrom('bogus', '__proto__', 'constructor', 'hasOwnProperty', '%2e%2e', 'accountquota/x'), 12);
  return fc.tuple(reviews, bodyArbitrary(fc.constant(null), scale), mutationsArbitrary(scale), fc.nat({ max: 19 }), hookName)
    .map(([{ hook, value }, rawBody, mutations, pick, other]): AdmissionRecipe => ({
      hook: other ?? hook,
      // One review in twenty is not a review at all.
      review: pick === 0 && rawBody.type !== 'value' ? rawBody : { type: 'value', base: value, mutations },
    }));
}

// ---------------------------------------------------------------------------------------------------------
// Whole requests.
// ---------------------------------------------------------------------------------------------------------

export type User = 'admin' | 'tenant' | 'anonymous';

export interface RequestRecipe {
  /** The histogram label: verb and resource, or the hook. */
  family: string;
  /** Straight to the server's port, or through kube-apiserver (the aggregator and the webhooks). */
  target: 'direct' | 'apiserver';
  user: User;
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: BodyRecipe;
  /** A watch: the client reads the status and a little of the stream, then closes. */
  watch?: boolean;
}

const GROUP_PATH = '/apis/tenancy.kiosk.sh/v1alpha1';

const ACCEPTS = ['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/yaml', 'application/vnd.kubernetes.protobuf', '*/*',
  'application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', 'application/json;stream=watch', 'text/html', ';;;', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'];

const WEIRD_NAMES = ['%00', '..', '%2e%2e', 'a%2Fb', '%ff', '%', '%zz', '__proto__', 'constructor', 'x'.repeat(10_000), '%F0%9F%98%80', '%ED%A0%80', 'a b', ' '];

function nameArbitrary(ctx: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ctx.names) }, { weight: 1, arbitrary: fc.constantFrom(...WEIRD_NAMES) }, { weight: 1, arbitrary: textArbitrary.map(percentEncode) });
}

/** Percent-encoding of the UTF-8 bytes (encodeURIComponent throws on a lone surrogate; a fuzzer must not). */
export function percentEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

const targetUser = fc.oneof(
  { weight: 5, arbitrary: fc.record({ target: fc.constant('apiserver' as const), user: fc.constantFrom('admin' as const, 'tenant' as const) }) },
  { weight: 5, arbitrary: fc.record({ target: fc.constant('direct' as const), user: fc.constantFrom('admin' as const, 'tenant' as const) }) },
  { weight: 1, arbitrary: fc.record({ target: fc.constant('direct' as const), user: fc.constant('anonymous' as const) }) },
);

export function requestArbitrary(ctx: FuzzContext, scale: FuzzScale = 'server'): fc.Arbitrary<RequestRecipe> {
  const kinds = fc.constantFrom({ kind: 'Space' as const, plural: 'spaces' }, { kind: 'Account' as const, plural: 'accounts' });
  const writeQuery = queryArbitrary(['dryRun', 'fieldValidation', 'fieldManager', 'force', 'pretty']);
  const accept = oneOfWeighted(fc.constant('application/json'), fc.constantFrom(...ACCEPTS), 4);

  const create = fc.record({ k: kinds, tu: targetUser, q: writeQuery, ct: contentTypeArbitrary(['application/json'], CREATE_CONTENT_TYPES), accept })
    .chain(({ k: { kind, plural }, tu, q, ct, accept: a }) => bodyArbitrary(objectArbitrary(kind, ctx), scale).map((body): RequestRecipe => ({
      family: `create ${plural}`, ...tu, method: 'POST', path: `${GROUP_PATH}/${plural}`, query: q,
      headers: { 'Content-Type': body.type === 'blockYaml' || body.type === 'yaml' ? 'application/yaml' : ct, Accept: a }, body,
    })));
  const update = fc.record({ k: kinds, tu: targetUser, q: writeQuery, ct: contentTypeArbitrary(['application/json'], CREATE_CONTENT_TYPES), name: nameArbitrary(ctx) })
    .chain(({ k: { kind, plural }, tu, q, ct, name }) => bodyArbitrary(objectArbitrary(kind, ctx), scale).map((body): RequestRecipe => ({
      family: `update ${plural}`, ...tu, method: 'PUT', path: `${GROUP_PATH}/${plural}/${name}`, query: q,
      headers: { 'Content-Type': body.type === 'blockYaml' || body.type === 'yaml' ? 'application/yaml' : ct }, body,
    })));
  const patch = fc.record({ k: kinds, tu: targetUser, q: writeQuery, name: nameArbitrary(ctx) })
    .chain(({ k: { kind, plural }, tu, q, name }) => patchBodyArbitrary(kind, ctx, scale).chain((body) => {
      const isOps = body.type === 'patchBomb' || (body.type === 'value' && Array.isArray(body.base));
      const likely = isOps ? ['application/json-patch+json'] : ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
      return contentTypeArbitrary(likely, PATCH_CONTENT_TYPES).map((ct): RequestRecipe => ({
        family: `patch ${plural} ${ct.split(';')[0]!.replace('application/', '')}`.slice(0, 60), ...tu, method: 'PATCH',
        path: `${GROUP_PATH}/${plural}/${name}`, query: q, headers: { 'Content-Type': ct }, body,
      }));
    }));
  const del = fc.record({ k: kinds, tu: targetUser, q: queryArbitrary(['dryRun', 'gracePeriodSeconds', 'propagationPolicy', 'orphanDependents']), name: nameArbitrary(ctx),
    body: deleteBodyArbitrary(scale), ct: fc.constantFrom('application/json', 'application/yaml', 'text/plain') })
    .map(({ k: { plural }, tu, q, name, body, ct }): RequestRecipe => ({
      family: `delete ${plural}`, ...tu, method: 'DELETE', path: `${GROUP_PATH}/${plural}/${name}`, query: q,
      headers: body ? { 'Content-Type': ct } : {}, ...(body ? { body } : {}),
    }));
  const get = fc.record({ k: kinds, tu: targetUser, q: queryArbitrary(['resourceVersion', 'pretty', 'includeObject']), name: nameArbitrary(ctx), accept })
    .map(({ k: { plural }, tu, q, name, accept: a }): RequestRecipe => ({
      family: `get ${plural}`, ...tu, method: 'GET', path: `${GROUP_PATH}/${plural}/${name}`, query: q, headers: { Accept: a },
    }));
  const listKeys = ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'resourceVersionMatch', 'timeoutSeconds', 'sendInitialEvents', 'allowWatchBookmarks', 'includeObject'];
  const list = fc.record({ k: kinds, tu: targetUser, q: queryArbitrary(listKeys), accept })
    .map(({ k: { plural }, tu, q, accept: a }): RequestRecipe => ({
      family: `list ${plural}`, ...tu, method: 'GET', path: `${GROUP_PATH}/${plural}`, query: q, headers: { Accept: a },
    }));
  const watch = fc.record({ k: kinds, tu: targetUser, q: queryArbitrary(listKeys), w: QUERY_VALUES.watch!, accept, byName: fc.option(nameArbitrary(ctx), { nil: undefined }) })
    .map(({ k: { plural }, tu, q, w, accept: a, byName }): RequestRecipe => ({
      family: `watch ${plural}`, ...tu, method: 'GET', path: `${GROUP_PATH}/${plural}`,
      query: [['watch', w], ...(byName ? [['fieldSelector', `metadata.name=${byName}`] as [string, string]] : []), ...q], headers: { Accept: a }, watch: true,
    }));
  const admissionDirect = fc.record({ a: admissionReviewArbitrary(ctx, scale), user: fc.constantFrom('admin' as const, 'tenant' as const, 'anonymous' as const), ct: contentTypeArbitrary(['application/json'], CREATE_CONTENT_TYPES) })
    .map(({ a, user, ct }): RequestRecipe => ({
      family: `admission ${a.hook}`.slice(0, 40), target: 'direct', user, method: 'POST', path: `/admission/${a.hook}`, query: [], headers: { 'Content-Type': ct }, body: a.review,
    }));
  const admissionViaApiserver = fc.record({ a: admissionReviewArbitrary(ctx, scale), user: fc.constantFrom('admin' as const, 'tenant' as const) })
    .map(({ a, user }): RequestRecipe => {
      // kube-apiserver builds the review itself: send the review's object as the object to create, dry-run.
      const base = a.review.type === 'value' ? a.review.base as { request?: { object?: unknown; resource?: { resource?: string; group?: string } } } | null : null;
      const resource = base?.request?.resource;
      const object = base?.request?.object ?? {};
      const path = resource?.group === 'config.kiosk.sh'
        ? `/apis/config.kiosk.sh/v1alpha1/${String(resource.resource)}`
        // A fuzzed namespace may be anything: it is printed as it comes, as kube-apiserver would receive it.
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- see above
        : `/api/v1/namespaces/${percentEncode(String((object as { metadata?: { namespace?: unknown } }).metadata?.namespace ?? ctx.quotaSpaces[0]))}/${resource?.resource ?? 'pods'}`;
      return {
        family: `webhook ${resource?.resource ?? 'pods'}`, target: 'apiserver', user, method: 'POST', path, query: [['dryRun', 'All']],
        headers: { 'Content-Type': 'application/json' },
        body: { type: 'value', base: object, mutations: a.review.type === 'value'
          ? a.review.mutations.filter((m) => decodableByApiserver(m) && (resource?.group !== 'config.kiosk.sh' || validatableByApiserver(m))) : [] },
      };
    });
  const misc = fc.record({
    tu: targetUser,
    pick: fc.constantFrom(
      { method: 'GET', path: '/apis' }, { method: 'GET', path: GROUP_PATH }, { method: 'GET', path: '/openapi/v2' }, { method: 'GET', path: '/openapi/v3' }, { method: 'GET', path: `/openapi/v3/apis/tenancy.kiosk.sh/v1alpha1?hash=${'f'.repeat(128)}` },
      { method: 'GET', path: '/metrics' }, { method: 'GET', path: '/livez?verbose' }, { method: 'GET', path: '/readyz/x' }, { method: 'OPTIONS', path: `${GROUP_PATH}/spaces` }, { method: 'HEAD', path: `${GROUP_PATH}/spaces` },
      { method: 'TRACE', path: `${GROUP_PATH}/spaces` }, { method: 'POST', path: `${GROUP_PATH}/spaces/x/status` }, { method: 'GET', path: `${GROUP_PATH}/spaces/x/y/z` }, { method: 'GET', path: `${GROUP_PATH}/${'x'.repeat(8_000)}` },
      { method: 'GET', path: `/apis/tenancy.kiosk.sh/v1alpha1/namespaces/default/spaces` }, { method: 'DELETE', path: `${GROUP_PATH}/spaces` }, { method: 'PUT', path: `${GROUP_PATH}/accounts` }, { method: 'GET', path: '/admission/accountquota' },
    ),
    q: queryArbitrary(),
  }).map(({ tu, pick: { method, path }, q }): RequestRecipe => ({ family: 'misc', ...tu, method, path, query: q, headers: {} }));
  return fc.oneof(
    { weight: 12, arbitrary: create }, { weight: 8, arbitrary: update }, { weight: 14, arbitrary: patch }, { weight: 5, arbitrary: del },
    { weight: 6, arbitrary: get }, { weight: 8, arbitrary: list }, { weight: 4, arbitrary: watch },
    { weight: 10, arbitrary: admissionDirect }, { weight: 6, arbitrary: admissionViaApiserver }, { weight: 2, arbitrary: misc },
  );
}

/** The query string of a recipe: keys and values percent-encoded byte by byte, a raw `%` now and then. */
export function queryString(query: Array<[string, string]>): string {
  if (query.length === 0) return '';
  return `?${query.map(([k, v]) => `${percentEncode(k)}=${v === '%' ? '%' : percentEncode(v)}`).join('&')}`;
}

export interface MaterializedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export function materializeRequest(r: RequestRecipe): MaterializedRequest {
  const body = r.body ? materializeBody(r.body) : undefined;
  return { method: r.method, path: `${r.path}${queryString(r.query)}`, headers: { ...r.headers }, ...(body ? { body } : {}) };
}

/** A recipe in a line or two, for a report: big payloads are already small in a recipe. */
export function describeRecipe(r: RequestRecipe): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'string' && v.length > 200 ? `${v.slice(0, 60)}…(${v.length} chars)` : v));
}
