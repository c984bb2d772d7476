import { badRequest, invalid } from '../../storage/apimachinery/errors.js';
import type { FieldError } from '../../storage/apimachinery/field-errors.js';
import type { ListOptions } from '../../registry/rest.js';
import { OBJECT_META_FIELDS, parseFieldSelector } from '../../storage/apimachinery/field-selector.js';
import { parseLabelSelector } from '../../storage/apimachinery/label-selector.js';

type Query = Record<string, string | string[] | undefined>;

const one = (q: Query, key: string): string => {
  const v = q[key];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
};

function bool(q: Query, key: string): boolean | undefined {
  if (q[key] === undefined) return undefined;
  const v = one(q, key);
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0' || v === '') return false;
  throw badRequest(`invalid boolean value "${v}" for ${key}`);
}

function nonNegativeInteger(q: Query, key: string): number | undefined {
  if (q[key] === undefined || one(q, key) === '') return undefined;
  const v = one(q, key);
  if (!/^\d+$/.test(v)) throw badRequest(`invalid value "${v}" for ${key}: must be a non-negative integer`);
  return Number(v);
}

const forbiddenField = (field: string, detail: string): FieldError => ({ field, type: 'FieldValueForbidden', detail: `Forbidden: ${detail}` });
const unsupported = (field: string, value: string, supported: string[]): FieldError => ({
  field, type: 'FieldValueNotSupported',
  detail: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});

/**
 * Parses and validates the query of a list or watch as genericapiserver does (ValidateListOptions):
 * selector syntax errors are 400, inconsistent resourceVersion options are 422 on ListOptions.meta.k8s.io.
 * Unknown parameters are ignored, never rejected.
 */
export function parseListOptions(query: Query): ListOptions {
  const watch = bool(query, 'watch') ?? false;
  const resourceVersion = one(query, 'resourceVersion');
  const match = one(query, 'resourceVersionMatch');
  const continueToken = one(query, 'continue');
  const sendInitialEvents = bool(query, 'sendInitialEvents');

  const errors: FieldError[] = [];
  if (watch) {
    if (sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      errors.push(forbiddenField('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
    }
    if (match) {
      if (sendInitialEvents === undefined) errors.push(forbiddenField('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
      if (match !== 'NotOlderThan') errors.push(unsupported('resourceVersionMatch', match, ['NotOlderThan']));
    }
  } else {
    if (match) {
      if (!resourceVersion) errors.push(forbiddenField('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
      if (continueToken) errors.push(forbiddenField('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
      if (match !== 'Exact' && match !== 'NotOlderThan') errors.push(unsupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
      if (match === 'Exact' && resourceVersion === '0') errors.push(forbiddenField('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
    if (sendInitialEvents !== undefined) errors.push(forbiddenField('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  if (errors.length > 0) throw invalid('ListOptions', 'meta.k8s.io', '', errors);
  if (resourceVersion !== '' && !/^\d+$/.test(resourceVersion)) {
    throw badRequest(`invalid resource version "${resourceVersion}": strconv.ParseUint: parsing "${resourceVersion}": invalid syntax`);
  }
  // A uint64 bounds a resourceVersion: past it ParseUint fails, so upstream answers 400, not a 3 s wait and 504.
  // (Length first: parsing a megabyte of digits into a BigInt is not linear.)
  const significant = resourceVersion.replace(/^0+/, '');
  if (significant.length > 20 || (significant !== '' && BigInt(significant) >= 1n << 64n)) {
    throw badRequest(`invalid resource version "${resourceVersion}": strconv.ParseUint: parsing "${resourceVersion}": value out of range`);
  }
  if (continueToken && resourceVersion !== '' && resourceVersion !== '0') {
    throw badRequest('specifying resource version is not allowed when using continue');
  }

  return {
    labelSelector: parseLabelSelector(one(query, 'labelSelector')),
    fieldSelector: parseFieldSelector(one(query, 'fieldSelector'), OBJECT_META_FIELDS),
    limit: nonNegativeInteger(query, 'limit') ?? 0,
    continueToken,
    resourceVersion,
    resourceVersionMatch: match as ListOptions['resourceVersionMatch'],
    watch,
    allowWatchBookmarks: bool(query, 'allowWatchBookmarks') ?? false,
    sendInitialEvents,
    timeoutSeconds: nonNegativeInteger(query, 'timeoutSeconds'),
  };
}
