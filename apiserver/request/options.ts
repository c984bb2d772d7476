/**
 * Write query parameters and DeleteOptions, decoded like metav1's url.Values conversions and validated like
 * k8s.io/apimachinery/pkg/apis/meta/v1/validation (ValidateCreateOptions, ValidateUpdateOptions,
 * ValidatePatchOptions, ValidateDeleteOptions): a value that cannot be converted is 400, an invalid one 422
 * on `<Kind>Options.meta.k8s.io ""`. Unknown parameters are ignored.
 */
import { badRequest, invalid, unsupportedMediaType } from '../../storage/apimachinery/errors.js';
import type { FieldError } from '../../storage/apimachinery/field-errors.js';
import { fieldError, uniqueFieldErrors } from '../../storage/apimachinery/field-errors.js';
import { isGoPrintable } from '../../storage/apimachinery/go-quote.js';
import type { FieldValidation } from './decode.js';
import { JsonSyntaxError, goJsonType, isPlainObject, parseJson } from '../../storage/apimachinery/go-json.js';
import { bodyMediaType, fieldValidation, parseYaml } from './decode.js';
import type { PatchType } from './patch.js';

export type Query = Record<string, string | string[] | undefined>;

const META_GROUP = 'meta.k8s.io';
/** validation.FieldManagerMaxLength. */
const FIELD_MANAGER_MAX_LENGTH = 128;
const DRY_RUN_VALUES = ['All'];
const FIELD_VALIDATION_VALUES = ['', 'Ignore', 'Strict', 'Warn'];
/** The values ValidateDeleteOptions lists (including its literal "nil"). */
const PROPAGATION_VALUES = ['Foreground', 'Background', 'Orphan', 'nil'];

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

/** The options of a create, update or patch. */
export interface WriteOptions {
  /** True for `dryRun=All`. */
  dryRun: boolean;
  /** The dryRun values as sent. */
  dryRunValues: string[];
  /** As sent; empty when absent (see managerOrUserAgent for the manager to record). */
  fieldManager: string;
  /** The directive the request runs with: Warn when absent or empty. */
  fieldValidation: FieldValidation;
  /** Apply only: whether to take over conflicting fields. */
  force?: boolean;
}

export interface ParsedDeleteOptions {
  dryRun: boolean;
  dryRunValues: string[];
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Deprecated in favour of propagationPolicy; never set together with it. */
  orphanDependents?: boolean;
  propagationPolicy?: PropagationPolicy;
}

const values = (q: Query, key: string): string[] | undefined => {
  const v = q[key];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
};
const first = (q: Query, key: string): string | undefined => values(q, key)?.[0];

/** runtime.Convert_Slice_string_To_Pointer_bool: present means true unless it is `0` or `false` (any case). */
function pointerBool(q: Query, key: string): boolean | undefined {
  const v = values(q, key);
  if (!v || v.length === 0) return undefined;
  const s = v[0] ?? '';
  return !(s === '0' || s.toLowerCase() === 'false');
}

/** runtime.Convert_Slice_string_To_Pointer_int64, with strconv.ParseInt's error (400). */
function pointerInt64(q: Query, key: string): number | undefined {
  const s = first(q, key);
  if (s === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(s)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** ValidateFieldManager: at most 128 bytes, printable runes only (reported with their byte offset). */
function validateFieldManager(fieldManager: string, field = 'fieldManager'): FieldError[] {
  const errs: FieldError[] = [];
  if (Buffer.byteLength(fieldManager, 'utf8') > FIELD_MANAGER_MAX_LENGTH) errs.push(fieldError.tooLong(field, FIELD_MANAGER_MAX_LENGTH));
  let offset = 0;
  for (const ch of fieldManager) {
    if (!isGoPrintable(ch)) {
      const code = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
      errs.push(fieldError.invalid(field, fieldManager, `invalid character U+${code} (at position ${offset})`));
    }
    offset += Buffer.byteLength(ch, 'utf8');
  }
  return errs;
}

/** ValidateDryRun: every value must be `All`; the list is shown as JSON (`["x"]`). */
function validateDryRun(dryRun: string[], field = 'dryRun'): FieldError[] {
  return dryRun.every((v) => DRY_RUN_VALUES.includes(v)) ? [] : [fieldError.notSupported(field, dryRun, DRY_RUN_VALUES)];
}

/** ValidateFieldValidation: empty, Ignore, Warn or Strict. */
function validateFieldValidation(value: string, field = 'fieldValidation'): FieldError[] {
  return FIELD_VALIDATION_VALUES.includes(value) ? [] : [fieldError.notSupported(field, value, FIELD_VALIDATION_VALUES)];
}

function common(query: Query) {
  const dryRunValues = values(query, 'dryRun') ?? [];
  const fieldManager = first(query, 'fieldManager') ?? '';
  const validation = first(query, 'fieldValidation') ?? '';
  const errors = [...validateFieldManager(fieldManager), ...validateDryRun(dryRunValues), ...validateFieldValidation(validation)];
  const options: WriteOptions = { dryRun: dryRunValues.length > 0, dryRunValues, fieldManager, fieldValidation: fieldValidation(validation) };
  return { options, errors };
}

function fail(kind: string, errors: FieldError[]): void {
  if (errors.length > 0) throw invalid(kind, META_GROUP, '', uniqueFieldErrors(errors));
}

/** CreateOptions: dryRun, fieldManager, fieldValidation. */
export function parseCreateOptions(query: Query): WriteOptions {
  const { options, errors } = common(query);
  fail('CreateOptions', errors);
  return options;
}

/** UpdateOptions: dryRun, fieldManager, fieldValidation. */
export function parseUpdateOptions(query: Query): WriteOptions {
  const { options, errors } = common(query);
  fail('UpdateOptions', errors);
  return options;
}

/**
 * PatchOptions: as UpdateOptions, plus `force`, which only an apply patch may carry (any value counts as
 * present); an apply patch requires fieldManager.
 */
export function parsePatchOptions(query: Query, patchType: PatchType | undefined): WriteOptions {
  const { options, errors } = common(query);
  const force = pointerBool(query, 'force');
  const pre: FieldError[] = [];
  if (patchType !== 'apply') {
    if (force !== undefined) pre.push(fieldError.forbidden('force', 'may not be specified for non-apply patch'));
  } else if (options.fieldManager === '') {
    pre.push(fieldError.required('fieldManager', 'is required for apply patch'));
  }
  fail('PatchOptions', [...pre, ...errors]);
  return force === undefined ? options : { ...options, force };
}

/**
 * prefixFromUserAgent: the User-Agent up to its first `/`, without non-printable runes, cut to what fits in
 * 128 bytes (`kubectl/v1.36.2 (linux/amd64) kubernetes/abc` gives `kubectl`).
 */
export function fieldManagerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of prefix) {
    if (!isGoPrintable(ch)) continue;
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/** managerOrUserAgent: the fieldManager parameter, or the one derived from the User-Agent. */
export const managerOrUserAgent = (fieldManager: string, userAgent: string | undefined): string =>
  fieldManager || fieldManagerFromUserAgent(userAgent);

// ---------------------------------------------------------------------------------------------------------
// DeleteOptions.
// ---------------------------------------------------------------------------------------------------------

const DELETE_OPTIONS_API_VERSIONS = ['v1', `${META_GROUP}/v1`, `${META_GROUP}/v1beta1`];

/** Go's UnmarshalTypeError text for a DeleteOptions member of the wrong JSON type. */
const typeError = (value: unknown, path: string, goType: string) =>
  badRequest(`json: cannot unmarshal ${goJsonType(value)}${typeof value === 'number' ? ` ${value}` : ''} into Go struct field DeleteOptions.${path} of type ${goType}`);

function optionalString(v: unknown, path: string, goType = 'string'): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(v, path, goType);
  return v;
}

/** The DeleteOptions members of a decoded body, type-checked as encoding/json would. */
function fromBody(body: Record<string, unknown>): Omit<ParsedDeleteOptions, 'dryRun'> & { propagation?: string } {
  const out: Omit<ParsedDeleteOptions, 'dryRun'> & { propagation?: string } = { dryRunValues: [] };
  const grace = body.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isSafeInteger(grace)) throw typeError(grace, 'gracePeriodSeconds', 'int64');
    out.gracePeriodSeconds = grace;
  }
  const pre = body.preconditions;
  if (pre !== undefined && pre !== null) {
    if (!isPlainObject(pre)) throw typeError(pre, 'preconditions', 'v1.Preconditions');
    const uid = optionalString(pre.uid, 'preconditions.uid', 'types.UID');
    const resourceVersion = optionalString(pre.resourceVersion, 'preconditions.resourceVersion');
    out.preconditions = { ...(uid !== undefined ? { uid } : {}), ...(resourceVersion !== undefined ? { resourceVersion } : {}) };
  }
  const orphan = body.orphanDependents;
  if (orphan !== undefined && orphan !== null) {
    if (typeof orphan !== 'boolean') throw typeError(orphan, 'orphanDependents', 'bool');
    out.orphanDependents = orphan;
  }
  const propagation = optionalString(body.propagationPolicy, 'propagationPolicy', 'v1.DeletionPropagation');
  if (propagation !== undefined) out.propagation = propagation;
  const dryRun = body.dryRun;
  if (dryRun !== undefined && dryRun !== null) {
    if (!Array.isArray(dryRun)) throw typeError(dryRun, 'dryRun', '[]string');
    out.dryRunValues = dryRun.map((v) => {
      if (typeof v !== 'string') throw typeError(v, 'dryRun', 'string');
      return v;
    });
  }
  return out;
}

function decodeDeleteBody(rawBody: Buffer, contentType: string | undefined, groupVersion: string | undefined): Record<string, unknown> {
  const mediaType = bodyMediaType(contentType);
  if (mediaType !== 'application/json' && mediaType !== 'application/yaml') {
    throw unsupportedMediaType('application/json, application/yaml');
  }
  const text = rawBody.toString('utf8');
  let value: unknown;
  try {
    value = mediaType === 'application/yaml' ? parseYaml(text).value : parseJson(text).value;
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw badRequest(err.message);
    throw err;
  }
  if (value === null) return {};
  if (!isPlainObject(value)) throw badRequest(`json: cannot unmarshal ${goJsonType(value)} into Go value of type v1.DeleteOptions`);
  const kind = typeof value.kind === 'string' ? value.kind : '';
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const accepted = [...DELETE_OPTIONS_API_VERSIONS, ...(groupVersion ? [groupVersion] : [])];
  if ((kind !== '' && kind !== 'DeleteOptions') || (apiVersion !== '' && !accepted.includes(apiVersion))) {
    throw badRequest('decoded object cannot be converted to DeleteOptions');
  }
  return value;
}

/**
 * DeleteOptions from a body (JSON or YAML, `kind: DeleteOptions` in `v1`, `meta.k8s.io/v1` or the resource's
 * own group version) or, when the body is empty, from the query (gracePeriodSeconds, orphanDependents,
 * propagationPolicy, dryRun); as upstream, a body makes the query irrelevant. Then ValidateDeleteOptions:
 * orphanDependents with propagationPolicy, a propagationPolicy other than Foreground, Background or Orphan,
 * and a dryRun other than All are 422 on `DeleteOptions.meta.k8s.io ""`.
 *
 * A body that cannot be decoded is 400 here; kube-apiserver answers those with a reason-less 500.
 */
export function parseDeleteOptions(rawBody: Buffer | undefined, query: Query,
  options: { groupVersion?: string; contentType?: string } = {}): ParsedDeleteOptions {
  let parsed: Omit<ParsedDeleteOptions, 'dryRun'> & { propagation?: string };
  if (rawBody && rawBody.length > 0) {
    parsed = fromBody(decodeDeleteBody(rawBody, options.contentType, options.groupVersion));
  } else {
    const grace = pointerInt64(query, 'gracePeriodSeconds');
    const orphan = pointerBool(query, 'orphanDependents');
    const propagation = first(query, 'propagationPolicy');
    parsed = {
      dryRunValues: values(query, 'dryRun') ?? [],
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
      ...(orphan !== undefined ? { orphanDependents: orphan } : {}),
      ...(propagation !== undefined ? { propagation } : {}),
    };
  }

  const errors: FieldError[] = [];
  const { propagation, ...rest } = parsed;
  if (rest.orphanDependents !== undefined && propagation !== undefined) {
    errors.push(fieldError.invalid('propagationPolicy', propagation, 'orphanDependents and deletionPropagation cannot be both set'));
  }
  if (propagation !== undefined && !['Foreground', 'Background', 'Orphan'].includes(propagation)) {
    errors.push(fieldError.notSupported('propagationPolicy', propagation, PROPAGATION_VALUES));
  }
  errors.push(...validateDryRun(rest.dryRunValues));
  fail('DeleteOptions', errors);
  return {
    ...rest,
    dryRun: rest.dryRunValues.length > 0,
    ...(propagation !== undefined ? { propagationPolicy: propagation as PropagationPolicy } : {}),
  };
}
