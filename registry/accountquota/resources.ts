/**
 * Quota resource names, scopes and quota-spec validation, worded and ordered as upstream's
 * k8s.io/kubernetes pkg/apis/core/helper (helpers.go) and pkg/apis/core/validation
 * (ValidateResourceQuotaSpec): an AccountQuota's `spec.quota` is checked exactly as a ResourceQuota's
 * `spec` is, so users get the same field errors from us as from kube-apiserver.
 */
import { fieldError } from '../../storage/apimachinery/field-errors.js';
import { isQualifiedName } from '../../storage/apimachinery/validation.js';
import type { FieldError } from '../../storage/apimachinery/field-errors.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import { format, isNegative, toQuantity, upstreamMilliValue } from '../../storage/apimachinery/quantity.js';
import type { Quantity } from '../../storage/apimachinery/quantity.js';
import type { QuotaSpec, ScopeSelector } from './types.js';

/** corev1.DefaultResourceRequestsPrefix. */
export const REQUESTS_PREFIX = 'requests.';
/** corev1.ResourceHugePagesPrefix. */
export const HUGEPAGES_PREFIX = 'hugepages-';
/** corev1.ResourceRequestsHugePagesPrefix. */
export const REQUESTS_HUGEPAGES_PREFIX = 'requests.hugepages-';
/** corev1.ResourceDefaultNamespacePrefix. */
const DEFAULT_NAMESPACE_PREFIX = 'kubernetes.io/';
/** The per-storage-class infix of PVC quota names (`<class>.storageclass.storage.k8s.io/<resource>`). */
export const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
/** resourceapi.ResourceDeviceClassPrefix: implicit DRA extended resources. */
export const DEVICE_CLASS_PREFIX = 'deviceclass.resource.kubernetes.io/';

/** Standard quota resource names (helper.standardQuotaResources), in upstream's order. */
export const STANDARD_QUOTA_RESOURCES: readonly string[] = Object.freeze([
  'cpu', 'memory', 'ephemeral-storage',
  'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps',
  'services.nodeports', 'services.loadbalancers',
]);
const standardQuotaResources = new Set(STANDARD_QUOTA_RESOURCES);

/** helper.standardResources: what an unqualified resource name may be at all (`storage` is one, but not for quota). */
const standardResources = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services',
  'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage',
  'services.nodeports', 'services.loadbalancers',
]);

/** helper.integerResources. */
const integerResources = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

/** Quota scopes (corev1.ResourceQuotaScope values) that validation accepts. */
export const QUOTA_SCOPES: readonly string[] = Object.freeze([
  'Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'VolumeAttributesClass',
  'CrossNamespacePodAffinity',
]);
const quotaScopes = new Set(QUOTA_SCOPES);

/** generic.ObjectCountQuotaResourceNameFor: `count/<resource>` (core group) or `count/<resource>.<group>`. */
export function objectCountResourceName(gr: GroupResource): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}

/** V1ResourceByStorageClass: `<class>.storageclass.storage.k8s.io/<resource>`, resource `requests.storage` or `persistentvolumeclaims`. */
export function storageClassResourceName(storageClass: string, resource: string): string {
  return `${storageClass}${STORAGE_CLASS_SUFFIX}${resource}`;
}

/** helper.IsNativeResource: unqualified, or in the `kubernetes.io/` namespace. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes(DEFAULT_NAMESPACE_PREFIX);
}

/**
 * helper.IsExtendedResourceName: not native, not `requests.`-prefixed, and `requests.<name>` is a
 * qualified name. Note that this makes `count/pods` and `<class>.storageclass.storage.k8s.io/...`
 * "extended", hence integer-only, upstream.
 */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return isQualifiedName(`${REQUESTS_PREFIX}${name}`).length === 0;
}

/** helper.IsQuotaHugePageResourceName. */
function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX) || name.startsWith(REQUESTS_HUGEPAGES_PREFIX);
}

/** helper.IsStandardQuotaResourceName. */
export function isStandardQuotaResourceName(name: string): boolean {
  return standardQuotaResources.has(name) || isQuotaHugePageResourceName(name);
}

/** helper.IsStandardResourceName. */
function isStandardResourceName(name: string): boolean {
  return standardResources.has(name) || isQuotaHugePageResourceName(name);
}

/** helper.IsIntegerResourceName: object counts and extended resources take whole numbers only. */
export function isIntegerResourceName(name: string): boolean {
  return integerResources.has(name) || isExtendedResourceName(name);
}

/** helper.IsStandardResourceQuotaScope. */
export function isStandardResourceQuotaScope(scope: string): boolean {
  return quotaScopes.has(scope);
}

const podObjectCountQuotaResources = new Set(['pods']);
const podComputeQuotaResources = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);

/** helper.IsResourceQuotaScopeValidForResource (only asked for standard quota resource names). */
export function isResourceQuotaScopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating': case 'NotTerminating': case 'NotBestEffort': case 'PriorityClass': case 'CrossNamespacePodAffinity':
      return podObjectCountQuotaResources.has(resource) || podComputeQuotaResources.has(resource);
    case 'BestEffort':
      return podObjectCountQuotaResources.has(resource);
    case 'VolumeAttributesClass':
      return resource === 'persistentvolumeclaims' || resource === 'requests.storage';
    default:
      return true;
  }
}

/** JSON.stringify as it is: undefined for a function or a symbol, whatever lib.d.ts says. */
const stringify: (value: unknown) => string | undefined = JSON.stringify;

/**
 * Go's json.Marshal for the values field errors print that are not plain strings (named string types,
 * slices, structs): JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped as Go escapes them.
 */
export function goJSON(value: unknown): string {
  return (stringify(value === undefined ? null : value) ?? 'null')
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** field.Invalid with a value printed as json.Marshal prints it (what upstream does for non-`string` types). */
function invalidJSON(field: string, value: unknown, detail: string): FieldError {
  return { field, type: 'FieldValueInvalid', detail: `Invalid value: ${goJSON(value)}: ${detail}` };
}

const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
const IS_NOT_INTEGER_ERROR_MSG = 'must be an integer';
const IS_INVALID_QUOTA_RESOURCE = 'must be a standard resource for quota';

/** ValidateResourceQuotaResourceName: `name` at `path` (e.g. `spec.quota.hard[pods]`). */
function validateQuotaResourceName(name: string, path: string): FieldError[] {
  // validateResourceName
  let errs = isQualifiedName(name).map((msg) => invalidJSON(path, name, msg));
  if (errs.length === 0 && !name.includes('/') && !isStandardResourceName(name)) {
    errs = [invalidJSON(path, name, 'must be a standard resource type or fully qualified')];
  }
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) errs.push(invalidJSON(path, name, IS_INVALID_QUOTA_RESOURCE));
  return errs;
}

/** ValidateResourceQuantityValue: non-negative, and a whole number for integer resources. */
function validateQuantityValue(name: string, q: Quantity, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isNegative(q)) errs.push(fieldError.invalid(path, format(q), IS_NEGATIVE_ERROR_MSG));
  if (isIntegerResourceName(name)) {
    // Upstream tests MilliValue() % 1000, int64 overflow and all: `10E` pods pass, `10000000000000000000` fail.
    if (upstreamMilliValue(q) % 1000n !== 0n) errs.push(invalidJSON(path, format(q), IS_NOT_INTEGER_ERROR_MSG));
  }
  return errs;
}

const sortedKeys = (o: Record<string, unknown> | null | undefined) => Object.keys(o ?? {}).sort();

const invalidScopePairs: Array<[string, string]> = [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']];

/** validateResourceQuotaScopes. */
function validateScopes(spec: QuotaSpec, fld: string): FieldError[] {
  const errs: FieldError[] = [];
  const scopes = spec.scopes ?? [];
  if (scopes.length === 0) return errs;
  const hard = sortedKeys(spec.hard);
  const path = `${fld}.scopes`;
  const seen = new Set<string>();
  for (const scope of scopes) {
    if (!isStandardResourceQuotaScope(scope)) errs.push(invalidJSON(path, spec.scopes, 'unsupported scope'));
    for (const k of hard) {
      if (isStandardQuotaResourceName(k) && !isResourceQuotaScopeValidForResource(scope, k)) {
        errs.push(invalidJSON(path, spec.scopes, 'unsupported scope applied to resource'));
      }
    }
    seen.add(scope);
  }
  for (const [a, b] of invalidScopePairs) {
    if (seen.has(a) && seen.has(b)) errs.push(invalidJSON(path, spec.scopes, 'conflicting scopes'));
  }
  return errs;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown) => v == null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/**
 * A spec whose JSON types are not ResourceQuotaSpec's. kube-apiserver checks the CRD schema before calling the
 * webhook, so only a review that did not come from it gets here; it gets one field error, not a TypeError.
 */
function quotaSpecShapeError(spec: unknown, fld: string): FieldError | undefined {
  const typeError = (field: string, value: unknown, type: string): FieldError =>
    ({ field, type: 'FieldValueTypeInvalid', detail: `Invalid value: ${goJSON(value)}: must be ${type}` });
  if (!isObject(spec)) return typeError(fld, spec, 'an object');
  if (spec.hard != null && !isObject(spec.hard)) return typeError(`${fld}.hard`, spec.hard, 'a map of quantities');
  if (!isStringList(spec.scopes)) return typeError(`${fld}.scopes`, spec.scopes, 'a list of strings');
  const selector = spec.scopeSelector;
  if (selector == null) return undefined;
  if (!isObject(selector)) return typeError(`${fld}.scopeSelector`, selector, 'an object');
  const exprs = selector.matchExpressions;
  if (exprs == null) return undefined;
  if (!Array.isArray(exprs)) return typeError(`${fld}.scopeSelector.matchExpressions`, exprs, 'a list');
  for (const [i, e] of exprs.entries()) {
    const at = `${fld}.scopeSelector.matchExpressions[${i}]`;
    if (!isObject(e) || typeof e.scopeName !== 'string' || typeof e.operator !== 'string' || !isStringList(e.values)) {
      return typeError(at, e, 'a requirement with string scopeName and operator and a list of string values');
    }
  }
  return undefined;
}

/** Whether `spec` has ResourceQuotaSpec's JSON types; if not, adds the field error saying where it departs from them. */
function hasQuotaSpecShape(spec: unknown, fld: string, errs: FieldError[]): spec is QuotaSpec {
  const malformed = quotaSpecShapeError(spec, fld);
  if (malformed) errs.push(malformed);
  return malformed === undefined;
}

/** The internal (untagged) core.ScopeSelector that upstream's error prints as JSON. */
function internalScopeSelector(selector: ScopeSelector): unknown {
  const exprs = selector.matchExpressions;
  return {
    MatchExpressions: exprs == null ? null : exprs.map((r) => ({ ScopeName: r.scopeName, Operator: r.operator, Values: r.values ?? null })),
  };
}

const existsOnlyScopes = new Set(['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity']);

/** validateScopeSelector / validateScopedResourceSelectorRequirement. */
function validateScopeSelector(spec: QuotaSpec, fld: string): FieldError[] {
  const errs: FieldError[] = [];
  const selector = spec.scopeSelector;
  if (selector == null) return errs;
  const hard = sortedKeys(spec.hard);
  // Upstream reports every requirement at the list's path, without an index.
  const path = `${fld}.scopeSelector.matchExpressions`;
  const seen = new Set<string>();
  for (const req of selector.matchExpressions ?? []) {
    if (!isStandardResourceQuotaScope(req.scopeName)) errs.push(invalidJSON(`${path}.scopeName`, req.scopeName, 'unsupported scope'));
    for (const k of hard) {
      if (isStandardQuotaResourceName(k) && !isResourceQuotaScopeValidForResource(req.scopeName, k)) {
        errs.push(invalidJSON(path, internalScopeSelector(selector), 'unsupported scope applied to resource'));
      }
    }
    if (existsOnlyScopes.has(req.scopeName) && req.operator !== 'Exists') {
      errs.push(invalidJSON(`${path}.operator`, req.operator, 'must be \'Exists\' when scope is any of ResourceQuotaScopeTerminating, '
        + 'ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or '
        + 'ResourceQuotaScopeCrossNamespacePodAffinity'));
    }
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In': case 'NotIn':
        if (values.length === 0) {
          errs.push(fieldError.required(`${path}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
        }
        break;
      case 'Exists': case 'DoesNotExist':
        if (values.length !== 0) {
          errs.push(invalidJSON(`${path}.values`, req.values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
        }
        break;
      default:
        errs.push(invalidJSON(`${path}.operator`, req.operator, 'not a valid selector operator'));
    }
    seen.add(req.scopeName);
  }
  for (const [a, b] of invalidScopePairs) {
    // Upstream prints spec.scopes here, not the selector (usually `null`).
    if (seen.has(a) && seen.has(b)) errs.push(invalidJSON(path, spec.scopes ?? null, 'conflicting scopes'));
  }
  return errs;
}

/**
 * ValidateResourceQuotaSpec at `fieldPath` (`spec.quota` for an AccountQuota). Hard limits are checked
 * in sorted name order (upstream walks a Go map, so its order varies), then scopes, then the scope
 * selector. Errors are not de-duplicated (upstream's causes are not either; `uniqueFieldErrors` in
 * field-errors.ts does what its message summary does). A hard value that is not a quantity at all,
 * which upstream rejects while decoding, is reported here as an Invalid value with the parser's message.
 */
export function validateQuotaSpec(spec: unknown, fieldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  if (spec == null) return errs;
  if (!hasQuotaSpecShape(spec, fieldPath, errs)) return errs;
  const hard = spec.hard ?? {};
  for (const name of sortedKeys(hard)) {
    const path = `${fieldPath}.hard[${name}]`;
    errs.push(...validateQuotaResourceName(name, path));
    const raw = hard[name];
    let q: Quantity;
    try {
      q = toQuantity(raw);
    } catch (err) {
      errs.push(fieldError.invalid(path, raw, err instanceof Error ? err.message : String(err)));
      continue;
    }
    errs.push(...validateQuantityValue(name, q, path));
  }
  errs.push(...validateScopes(spec, fieldPath));
  errs.push(...validateScopeSelector(spec, fieldPath));
  return errs;
}
