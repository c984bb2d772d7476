/**
 * Object names and metadata on create, worded as k8s.io/apimachinery's api/validation (objectmeta.go,
 * generic.go): the errors come back as field errors in the `{field, type, detail}` shape `invalid()` turns
 * into a 422. Names made from generateName are in generate-name.ts.
 */
import { jsonOrNull } from './canonical-json.js';
import type { FieldError } from './field-errors.js';
import { fieldError, uniqueFieldErrors } from './field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './validation.js';

/** A name validator as upstream's ValidateNameFunc: the problems with `name`, empty when valid. */
export type NameValidator = (name: string, prefix?: boolean) => string[];

/**
 * maskTrailingDash: a generateName prefix may end in `-`, since random characters follow. Upstream replaces
 * the last two characters by `a` (not just the dash), and so do we.
 */
export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** ValidateNamespaceName (NameIsDNSLabel): a DNS-1123 label of at most 63 characters. */
export const validateNamespaceName: NameValidator = (name, prefix = false) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** NameIsDNSSubdomain, the rule of most kinds (and of custom resources): a DNS-1123 subdomain of at most 253 characters. */
export const validateSubdomainName: NameValidator = (name, prefix = false) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** TotalAnnotationSizeLimitB: 256 KiB of keys and values together. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** The metadata fields create validation reads. */
export interface MetaForValidation {
  name?: string;
  generateName?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

const sortedEntries = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * A map value as text. The decoder does not type label and annotation values; String() of an object from the
 * request would call its `toString` member, which the data controls (`{"toString":1}` is a TypeError), so
 * anything but a string is measured and checked as its JSON.
 */
const valueText = (v: unknown): string => (typeof v === 'string' ? v : jsonOrNull(v));

/** v1validation.ValidateLabels: keys and values, both reported on the labels field itself. */
export function validateLabels(labels: Record<string, string> | undefined, field = 'metadata.labels'): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of sortedEntries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(fieldError.invalid(field, k, msg));
    for (const msg of isValidLabelValue(valueText(v))) errs.push(fieldError.invalid(field, v, msg));
  }
  return errs;
}

/** ValidateAnnotations: keys are qualified names in any case, and keys plus values stay under 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined, field = 'metadata.annotations'): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of sortedEntries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldError.invalid(field, k, msg));
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(valueText(v), 'utf8');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldError.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** ValidateFinalizers: each a qualified name, and never both `orphan` and `foregroundDeletion`. */
function validateFinalizers(finalizers: string[] | undefined, field = 'metadata.finalizers'): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) {
    for (const msg of isQualifiedName(f)) errs.push(fieldError.invalid(field, f, msg));
  }
  if (finalizers?.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(fieldError.invalid(field, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/**
 * ValidateObjectMetaAccessor for a create, as far as this server's objects go: generateName and name through
 * `nameValidator` (a name generated later from generateName is not required yet), then generation, labels,
 * annotations and finalizers. The namespace of a cluster-scoped object is cleared before, not validated here.
 * Errors are de-duplicated as field.ErrorList.ToAggregate() does.
 */
export function validateObjectMetaForCreate(meta: MetaForValidation, options: { nameValidator: NameValidator }): FieldError[] {
  const errs: FieldError[] = [];
  const name = meta.name ?? '';
  const generateName = meta.generateName ?? '';
  if (generateName !== '') {
    for (const msg of options.nameValidator(generateName, true)) errs.push(fieldError.invalid('metadata.generateName', generateName, msg));
  }
  if (name === '') {
    if (generateName === '') errs.push(fieldError.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of options.nameValidator(name, false)) errs.push(fieldError.invalid('metadata.name', name, msg));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) {
    errs.push(fieldError.invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels), ...validateAnnotations(meta.annotations), ...validateFinalizers(meta.finalizers));
  return uniqueFieldErrors(errs);
}
