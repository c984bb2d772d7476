import { isIP } from 'node:net';
import type { FieldError } from '../../storage/apimachinery/field-errors.js';
import { fieldError } from '../../storage/apimachinery/field-errors.js';
import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import { validateLabels } from '../../storage/apimachinery/meta-validation.js';
import { isQualifiedName, isValidLabelValue } from '../../storage/apimachinery/validation.js';
import { NETWORK_MODES, POD_SECURITY_LEVELS } from './isolation.js';

/** Most allowFrom peers: each is copied into the NetworkPolicy of every space of the account. */
export const MAX_ALLOW_FROM = 32;

const member = (v: unknown, key: string): unknown => (isPlainObject(v) ? v[key] : undefined);
const given = (v: unknown) => v !== undefined && v !== null;
const typeInvalid = (field: string, what: string): FieldError => ({ field, type: 'FieldValueTypeInvalid', detail: `Invalid value: must be ${what}` });

/** metav1validation.ValidateLabelSelector, with its messages. */
function validateSelector(selector: unknown, path: string): FieldError[] {
  if (!isPlainObject(selector)) return [typeInvalid(path, 'a label selector object')];
  const errors: FieldError[] = [];
  const matchLabels = selector.matchLabels;
  if (given(matchLabels)) {
    if (!isPlainObject(matchLabels)) errors.push(typeInvalid(`${path}.matchLabels`, 'a map of label keys to values'));
    else errors.push(...validateLabels(matchLabels as Record<string, string>, `${path}.matchLabels`));
  }
  const expressions = selector.matchExpressions;
  if (!given(expressions)) return errors;
  if (!Array.isArray(expressions)) return [...errors, typeInvalid(`${path}.matchExpressions`, 'a list of requirements')];
  expressions.forEach((e: unknown, i) => {
    const at = `${path}.matchExpressions[${String(i)}]`;
    if (!isPlainObject(e)) {
      errors.push(typeInvalid(at, 'a requirement object'));
      return;
    }
    if (typeof e.key !== 'string') errors.push(fieldError.required(`${at}.key`, ''));
    else for (const msg of isQualifiedName(e.key)) errors.push(fieldError.invalid(`${at}.key`, e.key, msg));
    const values: unknown = e.values ?? [];
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
      errors.push(typeInvalid(`${at}.values`, 'a list of strings'));
      return;
    }
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errors.push(fieldError.required(`${at}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errors.push(fieldError.forbidden(`${at}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
        break;
      default:
        errors.push(fieldError.notSupported(`${at}.operator`, e.operator ?? '', ['In', 'NotIn', 'Exists', 'DoesNotExist']));
    }
    (values as string[]).forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) errors.push(fieldError.invalid(`${at}.values[${String(j)}]`, v, msg));
    });
  });
  return errors;
}

/** An address/prefix of either family, prefix within the address's bits (netutils.ParseCIDRSloppy's grammar). */
function isCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const [address = '', prefix, ...more] = value.split('/');
  const family = isIP(address);
  if (family === 0 || prefix === undefined || more.length > 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

const CIDR_DETAIL = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function validateIpBlock(block: unknown, path: string): FieldError[] {
  if (!isPlainObject(block)) return [typeInvalid(path, 'an ipBlock object')];
  const errors: FieldError[] = [];
  if (!given(block.cidr) || block.cidr === '') errors.push(fieldError.required(`${path}.cidr`, ''));
  else if (!isCidr(block.cidr)) errors.push(fieldError.invalid(`${path}.cidr`, block.cidr, CIDR_DETAIL));
  const except = block.except;
  if (given(except) && !Array.isArray(except)) errors.push(typeInvalid(`${path}.except`, 'a list of CIDRs'));
  else if (Array.isArray(except)) {
    except.forEach((c: unknown, i) => {
      if (!isCidr(c)) errors.push(fieldError.invalid(`${path}.except[${String(i)}]`, c, CIDR_DETAIL));
    });
  }
  return errors;
}

/** networkingvalidation.ValidateNetworkPolicyPeer: exactly one of ipBlock, or one or both selectors. */
function validatePeer(peer: unknown, path: string): FieldError[] {
  if (!isPlainObject(peer)) return [typeInvalid(path, 'a NetworkPolicyPeer object')];
  const errors: FieldError[] = [];
  let kinds = 0;
  for (const key of ['podSelector', 'namespaceSelector'] as const) {
    if (!given(peer[key])) continue;
    kinds++;
    errors.push(...validateSelector(peer[key], `${path}.${key}`));
  }
  if (given(peer.ipBlock)) {
    kinds++;
    errors.push(...validateIpBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (kinds === 0) errors.push(fieldError.required(path, 'must specify a peer'));
  else if (kinds > 1 && given(peer.ipBlock)) errors.push(fieldError.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errors;
}

/**
 * spec.isolation of an Account, with field paths: the enums (kube-apiserver checks them from the CRD schema
 * too, but a review or a tenancy.kiosk.sh write may come without it), and allowFrom peers that kube-apiserver
 * will accept in a NetworkPolicy, so a bad peer is refused on the Account rather than failing in every space.
 */
export function validateIsolation(account: unknown): FieldError[] {
  const isolation = member(member(account, 'spec'), 'isolation');
  if (!given(isolation)) return [];
  if (!isPlainObject(isolation)) return [typeInvalid('spec.isolation', 'an object')];
  const errors: FieldError[] = [];
  const { podSecurity, network, allowFrom } = isolation;
  if (given(podSecurity) && !(POD_SECURITY_LEVELS as readonly unknown[]).includes(podSecurity)) {
    errors.push(fieldError.notSupported('spec.isolation.podSecurity', podSecurity, [...POD_SECURITY_LEVELS]));
  }
  if (given(network) && !(NETWORK_MODES as readonly unknown[]).includes(network)) {
    errors.push(fieldError.notSupported('spec.isolation.network', network, [...NETWORK_MODES]));
  }
  if (!given(allowFrom)) return errors;
  if (!Array.isArray(allowFrom)) return [...errors, typeInvalid('spec.isolation.allowFrom', 'a list of NetworkPolicyPeers')];
  if (allowFrom.length > MAX_ALLOW_FROM) {
    errors.push({ field: 'spec.isolation.allowFrom', type: 'FieldValueTooMany', detail: `Too many: ${String(allowFrom.length)}: must have at most ${String(MAX_ALLOW_FROM)} items` });
  }
  allowFrom.slice(0, MAX_ALLOW_FROM).forEach((peer: unknown, i) => { errors.push(...validatePeer(peer, `spec.isolation.allowFrom[${String(i)}]`)); });
  return errors;
}
