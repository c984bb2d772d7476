/**
 * Whether a review's object could have come from kube-apiserver at all. Validating webhooks are called after
 * the object passed kube-apiserver's own validation (rest.BeforeCreate / BeforeUpdate run the strategy's
 * Validate, then the validating admission chain runs, then the object is stored), and after generateName was
 * resolved: a review for an object kube-apiserver would refuse was not sent by kube-apiserver. It is denied
 * (422, as kube-apiserver would have answered the create), never reserved: a forged review cannot make a
 * claim that its object could never come to fill, nor fill the ledger with a name of 130,000 characters.
 */
import type { AdmissionRequest } from '../admission.js';
import type { FieldError } from '../../storage/apimachinery/field-errors.js';
import { fieldError } from '../../storage/apimachinery/field-errors.js';
import { goJsonType } from '../../storage/apimachinery/go-json.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain } from '../../storage/apimachinery/validation.js';
import type { CountedKind } from './counted-kinds.js';

/** The name rule of a kind: services are DNS-1035 labels, the other counted kinds (and custom resources) DNS-1123 subdomains. */
const nameRule = (kind: CountedKind) => (kind.group === '' && kind.resource === 'services' ? isDNS1035Label : isDNS1123Subdomain);

/** A value as a denial may echo it: a forged 130,000-character name is not sent back whole. */
export function shown(value: string): string {
  return value.length <= 253 ? value : `${value.slice(0, 64)}... (${value.length} characters)`;
}

/** A string field of the review, or '' for anything else: the webhook checks only uid, operation and resource. */
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The object's name as the request names it (kube-apiserver sends the generated one for generateName creates). */
export function reviewedName(request: AdmissionRequest): string {
  return text(request.name) || text(request.object?.metadata?.name);
}

/** field.TypeInvalid for a value kube-apiserver would have sent as a string; the value's type is shown, not the value. */
function notAString(field: string, value: unknown): FieldError {
  const type = goJsonType(value);
  return { field, type: 'FieldValueTypeInvalid', detail: `Invalid value: "${type}": ${field} must be of type string: "${type}"` };
}

/**
 * The problems that make the review's object one kube-apiserver would have refused before calling us: its
 * namespace, its name (or generateName), and a name or namespace that disagrees with the request's.
 */
export function reviewObjectErrors(kind: CountedKind, request: AdmissionRequest): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = request.namespace ?? '';
  const meta = request.object?.metadata ?? {};
  // A forged review may carry anything here; name rules measure strings, so other types stop at a type error.
  for (const [field, value] of [['metadata.namespace', request.namespace], ['metadata.name', request.name], ['metadata.name', meta.name]] as const) {
    if (value != null && typeof value !== 'string') return [notAString(field, value)];
  }
  for (const msg of isDNS1123Label(namespace)) errs.push(fieldError.invalid('metadata.namespace', shown(namespace), msg));
  if (typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== namespace) {
    errs.push(fieldError.invalid('metadata.namespace', shown(meta.namespace), 'does not match the namespace of the request'));
  }
  const objectName = typeof meta.name === 'string' ? meta.name : '';
  if (request.name && objectName && objectName !== request.name) {
    errs.push(fieldError.invalid('metadata.name', shown(objectName), 'does not match the name of the request'));
  }
  const name = reviewedName(request);
  const generateName = (meta as { generateName?: unknown }).generateName;
  if (name === '') {
    // Only a request kube-apiserver names without the generated name still ends up here; its prefix must be valid.
    if (typeof generateName !== 'string' || generateName === '') errs.push(fieldError.required('metadata.name', 'name or generateName is required'));
    else for (const msg of nameRule(kind)(generateName.endsWith('-') ? `${generateName.slice(0, -1)}a` : generateName)) errs.push(fieldError.invalid('metadata.generateName', shown(generateName), msg));
  } else {
    for (const msg of nameRule(kind)(name)) errs.push(fieldError.invalid('metadata.name', shown(name), msg));
  }
  return errs;
}
