/**
 * Field ownership of a Space is the field ownership of its Namespace, which kube-apiserver keeps: a Space's
 * managedFields are the Namespace's, read in the Space's terms. Two things differ: the API version every
 * manager wrote through (a Space is written as tenancy.kiosk.sh/v1alpha1, stored as v1), and the one field
 * with another path (`spec.account` is stored as the namespace's kiosk.sh/account label). The same mapping
 * rewords kube-apiserver's apply conflicts, so a conflict names the field as the client wrote it.
 */
import { ACCOUNT_LABEL } from '../account/types.js';

export const SPACE_API_VERSION = 'tenancy.kiosk.sh/v1alpha1';

/** The account label as a field path (fieldpath.Path.String()), and the Space field it stands for. */
const STORED_ACCOUNT_PATH = `.metadata.labels.${ACCOUNT_LABEL}`;
const SPACE_ACCOUNT_PATH = '.spec.account';

type FieldSet = Record<string, unknown>;

const isFieldSet = (v: unknown): v is FieldSet => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A FieldsV1 set of a Namespace as the Space's: `f:metadata.f:labels.f:kiosk.sh/account` becomes `f:spec.f:account`. */
function spaceFields(fields: FieldSet): FieldSet {
  const metadata = fields['f:metadata'];
  const labels = isFieldSet(metadata) ? metadata['f:labels'] : undefined;
  const accountKey = `f:${ACCOUNT_LABEL}`;
  if (!isFieldSet(metadata) || !isFieldSet(labels) || !(accountKey in labels)) return fields;
  const { [accountKey]: account, ...otherLabels } = labels;
  const { 'f:labels': _labels, ...otherMetadata } = metadata;
  // A labels set that owned only the account label still owned the map itself ({"." : {}} stays if present).
  const nextMetadata = Object.keys(otherLabels).length > 0 ? { ...otherMetadata, 'f:labels': otherLabels } : otherMetadata;
  const spec = isFieldSet(fields['f:spec']) ? fields['f:spec'] : {};
  const next: FieldSet = { ...fields, 'f:spec': { ...spec, 'f:account': account } };
  if (Object.keys(nextMetadata).length > 0) next['f:metadata'] = nextMetadata;
  else delete next['f:metadata'];
  return next;
}

/** The Namespace's managedFields as the Space's (sharing what is unchanged, as the rest of a converted Space does). */
export function spaceManagedFields(entries: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return entries.map((entry) => ({
    ...entry,
    ...(entry.apiVersion === 'v1' ? { apiVersion: SPACE_API_VERSION } : {}),
    ...(isFieldSet(entry.fieldsV1) ? { fieldsV1: spaceFields(entry.fieldsV1) } : {}),
  }));
}

/**
 * A text of kube-apiserver's apply conflict on a Namespace in the Space's terms: `"kubectl" using v1 at …`
 * names the Space's version, `.metadata.labels.kiosk.sh/account` is `.spec.account`.
 */
export function spaceConflictText(text: string): string {
  // A path or a version ends at a blank, a colon or the end of a line (a longer label merely starts alike).
  return text.replace(/ using v1(?=[\s:]|$)/g, ` using ${SPACE_API_VERSION}`)
    .replace(new RegExp(`${escapeRegExp(STORED_ACCOUNT_PATH)}(?=\\s|$)`, 'g'), SPACE_ACCOUNT_PATH);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A conflict cause's field path in the Space's terms. */
export function spaceFieldPath(path: string): string {
  return path === STORED_ACCOUNT_PATH ? SPACE_ACCOUNT_PATH : path;
}
