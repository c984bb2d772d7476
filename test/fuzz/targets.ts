/**
 * The unit-level fuzz targets: for each, the generator of its inputs and the call into the pure code the
 * server runs on them (decoding, options, patching, validation, conversion, admission decisions). A target
 * passes a case when the call returns, or throws a StatusError with a 4xx code. The cases run in a worker
 * (see case-runner.ts), so an input that exhausts memory or never returns is reported like any other breach
 * instead of killing the test process.
 */
import fc from 'fast-check';
import { readAdmissionRequest } from '../../apiserver/admission/review.js';
import { parseListOptions } from '../../apiserver/handlers/list-options.js';
import { validateConfigAccount } from '../../registry/account/admission.js';
import { configToTenancyAccount } from '../../registry/account/convert.js';
import { validateAccount } from '../../registry/account/validation.js';
import type { AdmissionDecision, AdmissionRequest } from '../../registry/admission.js';
import type { QuotaLedger } from '../../registry/accountquota/admission.js';
import { AccountQuotaAdmission, validateAccountQuota } from '../../registry/accountquota/admission.js';
import type { AccountQuota } from '../../registry/accountquota/types.js';
import { UsageIndex } from '../../registry/accountquota/usage-index.js';
import { decodeContinue } from '../../registry/continue-token.js';
import { PolicyAdmission } from '../../registry/policy/admission.js';
import { StatusError } from '../../storage/apimachinery/errors.js';
import { namespaceToSpace } from '../../registry/space/convert.js';
import type { FieldValidation } from '../../apiserver/request/decode.js';
import { decodeObject, unknownFields } from '../../apiserver/request/decode.js';
import { validateNamespaceName, validateObjectMetaForCreate, validateSubdomainName } from '../../storage/apimachinery/meta-validation.js';
import type { Query } from '../../apiserver/request/options.js';
import { parseCreateOptions, parseDeleteOptions, parsePatchOptions, parseUpdateOptions } from '../../apiserver/request/options.js';
import { applyJsonPatch, applyMergePatch } from '../../apiserver/request/apply-patch.js';
import { decodeJsonPatch, decodeMergePatch, patchContentType, patchStrictError } from '../../apiserver/request/patch.js';
import { goJsonMarshal } from '../../storage/apimachinery/go-json.js';
import type { FuzzContext } from './arbitraries.js';
import { YAML_SPECIALS } from './payload.js';
import {
  ACCOUNT_SCHEMA, admissionReviewArbitrary, bodyArbitrary, CATALOGUE, contentTypeArbitrary, CREATE_CONTENT_TYPES, deleteBodyArbitrary,
  materializeBody, objectArbitrary, PATCH_CONTENT_TYPES, patchBodyArbitrary, queryArbitrary, QUERY_VALUES, SPACE_SCHEMA,
} from './arbitraries.js';

export interface Target<T = unknown> {
  arbitrary: () => fc.Arbitrary<T>;
  /** A fixed list instead of samples, for inputs every run must try (the YAML bombs). */
  cases?: () => T[];
  check: (input: T) => unknown;
}

export const UNIT_CONTEXT: FuzzContext = { names: ['fz-a', 'fz-b'], accounts: ['fz-acct'], quotaSpaces: ['fz-space', 'fz-space-2'], tenant: 'fuzz-tenant' };
const ctx = UNIT_CONTEXT;
const MODES: FieldValidation[] = ['Strict', 'Warn', 'Ignore'];

/** A query as express's default (querystring) parser hands it over: no prototype, repeated keys as arrays. */
export function toQuery(pairs: Array<[string, string]>): Query {
  const q = Object.create(null) as Query;
  for (const [k, v] of pairs) {
    const had = q[k];
    q[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  return q;
}

const isClientError = (err: unknown) => err instanceof StatusError && err.code < 500;

function bodyTarget(kind: 'Space' | 'Account'): Target {
  return {
    arbitrary: () => fc.record({
      body: bodyArbitrary(objectArbitrary(kind, ctx), 'unit'),
      contentType: contentTypeArbitrary(['application/json', 'application/yaml'], CREATE_CONTENT_TYPES),
      mode: fc.constantFrom(...MODES),
    }),
    check: (input) => {
      const { body, contentType, mode } = input as { body: Parameters<typeof materializeBody>[0]; contentType: string; mode: FieldValidation };
      const decoded = decodeObject(materializeBody(body), body.type === 'yaml' || body.type === 'blockYaml' ? 'application/yaml' : contentType,
        { group: 'tenancy.kiosk.sh', version: 'v1alpha1', kind },
        { fieldValidation: mode, schemaName: kind === 'Space' ? SPACE_SCHEMA : ACCOUNT_SCHEMA, catalogue: CATALOGUE });
      // What the create handler runs next (apiserver/handlers/write.ts), and the Account rules.
      const meta = (decoded.object.metadata ?? {}) as Record<string, unknown>;
      validateObjectMetaForCreate(meta, { nameValidator: kind === 'Space' ? validateNamespaceName : validateSubdomainName });
      if (kind === 'Account') validateAccount(decoded.object);
    },
  };
}

function patchTarget(kind: 'Space' | 'Account'): Target {
  return {
    arbitrary: () => fc.record({
      current: objectArbitrary(kind, ctx),
      patch: patchBodyArbitrary(kind, ctx, 'unit'),
      type: fc.constantFrom('json' as const, 'merge' as const),
      mode: fc.constantFrom(...MODES),
    }),
    check: (input) => {
      const { current, patch, type, mode } = input as { current: unknown; patch: Parameters<typeof materializeBody>[0]; type: 'json' | 'merge'; mode: FieldValidation };
      const raw = materializeBody(patch);
      // The patch handler's steps (apiserver/handlers/write.ts), without storage.
      const decoded = type === 'json' ? decodeJsonPatch(raw, mode) : decodeMergePatch(raw, mode);
      const patched = type === 'json' ? applyJsonPatch(current, decoded.patch) : applyMergePatch(current, decoded.patch);
      const unknown = unknownFields(patched, kind === 'Space' ? SPACE_SCHEMA : ACCOUNT_SCHEMA, CATALOGUE);
      goJsonMarshal(patched);
      if (unknown.length > 0 || decoded.strictErrors.length > 0) patchStrictError(patched, [...decoded.strictErrors, ...unknown]);
    },
  };
}

const quota = (name: string, spec: AccountQuota['spec']['quota']): AccountQuota => ({ metadata: { name }, spec: { account: 'fz-acct', quota: spec } });
/** Well-formed quotas, as stored after validate-accountquota: plain, scoped, and by selector. */
const QUOTAS = [
  quota('plain', { hard: { pods: '10', 'limits.cpu': '4', 'requests.memory': '1Gi', 'count/configmaps': '5', services: '3', 'services.loadbalancers': '1', 'requests.storage': '10Gi', 'ephemeral-storage': '1Ti' } }),
  quota('scoped', { hard: { pods: '2' }, scopes: ['BestEffort'] }),
  quota('selected', { hard: { 'requests.cpu': '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }),
  quota('affinity', { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }] } }),
];

/** storage/LeaseLedger's contract in memory: one decision at a time; a write replaces the entries. */
function memoryLedger(): QuotaLedger {
  const ledgers = new Map<string, unknown>();
  let chain: Promise<unknown> = Promise.resolve();
  return {
    transact(name, decide) {
      const run = chain.then(async () => {
        const { write, result } = await decide((ledgers.get(name) ?? {}) as never, Date.now());
        if (write) ledgers.set(name, write);
        return result;
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}

let hooks: Record<string, (r: AdmissionRequest) => Promise<AdmissionDecision>> | undefined;
function admissionHooks() {
  if (hooks) return hooks;
  const admission = new AccountQuotaAdmission({
    accountOfNamespace: (ns) => (ctx.quotaSpaces.includes(ns) ? 'fz-acct' : undefined),
    namespacesOf: () => [...ctx.quotaSpaces],
    quotasOf: (account) => (account === 'fz-acct' ? QUOTAS : []),
    countedKindsSynced: async () => true,
    usage: new UsageIndex(),
  }, memoryLedger());
  // The quota spaces' account carries every policy rule, so that generated pods and claims meet each of them.
  const policy = new PolicyAdmission({
    accountOfNamespace: (ns) => (ctx.quotaSpaces.includes(ns) ? 'fz-acct' : undefined),
    account: () => ({ spec: { policy: {
      allowedRegistries: ['registry.example.com/'], allowedStorageClasses: ['gp3', ''], allowedIngressClasses: ['nginx'],
      allowedPriorityClasses: ['tenant'], nodeSelector: { pool: 'tenants', 'kubernetes.io/os': 'linux' },
    } } }),
  });
  hooks = {
    accountquota: (r) => admission.admit(r),
    'validate-accountquota': async (r) => validateAccountQuota(r),
    'validate-account': async (r) => validateConfigAccount(r),
    policy: async (r) => policy.validate(r),
    'policy-defaults': async (r) => policy.defaults(r),
  };
  return hooks;
}

export const TARGETS: Record<string, Target> = {
  // Every whole-document YAML construct, for both kinds and every fieldValidation: too important to sample.
  'decode-yaml': {
    ...bodyTarget('Space'),
    // The alias bomb once: it ends its worker by exhausting the heap, which takes seconds each time.
    cases: () => Object.keys(YAML_SPECIALS).flatMap((name) => (name === 'billionLaughs' ? ['Strict' as const] : MODES)
      .map((mode) => ({ body: { type: 'yaml', name }, contentType: 'application/yaml', mode }))),
  },
  'decode-space': bodyTarget('Space'),
  'decode-account': bodyTarget('Account'),
  'patch-space': patchTarget('Space'),
  'patch-account': patchTarget('Account'),
  options: {
    arbitrary: () => fc.record({ query: queryArbitrary(), patchType: fc.constantFrom(...PATCH_CONTENT_TYPES, undefined) }),
    check: (input) => {
      const { query, patchType } = input as { query: Array<[string, string]>; patchType?: string };
      const q = toQuery(query);
      for (const parse of [() => parseCreateOptions(q), () => parseUpdateOptions(q), () => parsePatchOptions(q, patchContentType(patchType)), () => parseListOptions(q)]) {
        try {
          parse();
        } catch (err) {
          // One parser's 4xx must not hide the next parser's crash.
          if (!isClientError(err)) throw err;
        }
      }
    },
  },
  'continue-token': {
    arbitrary: () => QUERY_VALUES.continue!,
    check: (token) => decodeContinue(token as string, 5),
  },
  'delete-options': {
    arbitrary: () => fc.record({
      body: deleteBodyArbitrary('unit'),
      query: queryArbitrary(['dryRun', 'gracePeriodSeconds', 'propagationPolicy', 'orphanDependents']),
      contentType: contentTypeArbitrary(['application/json', 'application/yaml'], CREATE_CONTENT_TYPES),
    }),
    check: (input) => {
      const { body, query, contentType } = input as { body?: Parameters<typeof materializeBody>[0]; query: Array<[string, string]>; contentType: string };
      parseDeleteOptions(body ? materializeBody(body) : undefined, toQuery(query), { groupVersion: 'tenancy.kiosk.sh/v1alpha1', contentType });
    },
  },
  admission: {
    arbitrary: () => admissionReviewArbitrary(ctx, 'unit'),
    // The transport's own reading of a review (apiserver/admission/review.ts: its bounds, what is a review),
    // then the hook's decision. A reading of its own let reviews reach the hooks that no webhook passes on.
    check: async (input) => {
      const { hook, review } = input as { hook: string; review: Parameters<typeof materializeBody>[0] };
      const all = admissionHooks();
      const handler = Object.hasOwn(all, hook) ? all[hook] : undefined;
      if (!handler) return;
      const decision = await handler(readAdmissionRequest(materializeBody(review)));
      // A denial with a 5xx Status reaches the user as a 5xx from kube-apiserver.
      if (!decision.allowed && decision.error.code >= 500) throw decision.error;
      JSON.stringify(decision.allowed ? decision : decision.error.toStatus());
    },
  },
  convert: {
    arbitrary: () => fc.tuple(objectArbitrary('Account', ctx, 'config.kiosk.sh/v1alpha1'), objectArbitrary('Space', ctx)),
    check: (input) => {
      const [account, space] = input as [Record<string, unknown>, Record<string, unknown>];
      const meta = (o: Record<string, unknown>) => ({ name: 'x', ...(o.metadata && typeof o.metadata === 'object' ? o.metadata : {}) });
      configToTenancyAccount({ ...account, metadata: meta(account) });
      namespaceToSpace({ ...space, metadata: meta(space) });
    },
  },
};
