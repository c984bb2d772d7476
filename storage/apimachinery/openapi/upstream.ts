import type { GroupVersionKind } from '../group-version.js';
import type { Schema } from './schema.js';
import { GVK_EXTENSION, ref, refProperty, stringArray, stringMap, stringProperty } from './schema.js';

/*
 * The upstream types our documents refer to, under their upstream names, so that a client (or kube-aggregator's
 * v2 merge) recognises them as the same types. Each GV document must be self-contained, so the definitions are
 * repeated here. Field names, types, formats, required lists and x-kubernetes-* extensions follow
 * k8s.io/apimachinery meta/v1 and k8s.io/api rbac/v1 (api/openapi-spec/v3 in kubernetes/kubernetes); the
 * descriptions are our own, shorter wording.
 *
 * Deliberately left out: DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential (1.32+, an etcd
 * corruption escape hatch that has no meaning for virtual resources).
 */
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
export const STATUS = `${META}.Status`;
export const DELETE_OPTIONS = `${META}.DeleteOptions`;
export const PATCH = `${META}.Patch`;
export const WATCH_EVENT = `${META}.WatchEvent`;
export const SUBJECT = 'io.k8s.api.rbac.v1.Subject';

const MANAGED_FIELDS_ENTRY = `${META}.ManagedFieldsEntry`;
const FIELDS_V1 = `${META}.FieldsV1`;
const OWNER_REFERENCE = `${META}.OwnerReference`;
const TIME = `${META}.Time`;
const STATUS_DETAILS = `${META}.StatusDetails`;
const STATUS_CAUSE = `${META}.StatusCause`;
const PRECONDITIONS = `${META}.Preconditions`;
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

const CONVENTIONS = 'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md';

/** `apiVersion` and `kind`, as every top-level kind carries them. */
export const typeMetaProperties = (): Record<string, Schema> => ({
  apiVersion: stringProperty(`Versioned schema of this representation of an object, as group/version. More info: ${CONVENTIONS}#resources`),
  kind: stringProperty(`REST kind of this object, in CamelCase. More info: ${CONVENTIONS}#types-kinds`),
});

const objectMeta = (): Schema => ({
  description: 'Metadata every persisted object has.',
  properties: {
    annotations: stringMap('Unstructured key/value pairs for tools; not queryable. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations'),
    creationTimestamp: refProperty(TIME, 'Server time at which the object was created, RFC 3339, UTC. Read-only.'),
    deletionGracePeriodSeconds: { description: 'Seconds allowed for graceful termination; set together with deletionTimestamp. Read-only.', format: 'int64', type: 'integer' },
    deletionTimestamp: refProperty(TIME, 'Time after which the object will be gone, once its finalizers are empty; set when deletion is requested. Read-only.'),
    finalizers: { ...stringArray('Entries that must all be removed before the object is deleted.', 'set'), 'x-kubernetes-patch-strategy': 'merge' },
    generateName: stringProperty('Prefix from which the server generates a unique name when name is empty.'),
    generation: { description: 'Sequence number of the desired state. Read-only.', format: 'int64', type: 'integer' },
    labels: stringMap('Key/value pairs for organising and selecting objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels'),
    managedFields: {
      description: 'Which field manager owns which fields (server-side apply bookkeeping).',
      items: { allOf: [ref(MANAGED_FIELDS_ENTRY)], default: {} },
      type: 'array',
      'x-kubernetes-list-type': 'atomic',
    },
    name: stringProperty('Unique name of the object within its scope. Cannot be updated.'),
    namespace: stringProperty('Namespace of the object; empty for cluster-scoped objects. Cannot be updated.'),
    ownerReferences: {
      description: 'Objects this object depends on; when all of them are gone it is garbage collected.',
      items: { allOf: [ref(OWNER_REFERENCE)], default: {} },
      type: 'array',
      'x-kubernetes-list-map-keys': ['uid'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'uid',
      'x-kubernetes-patch-strategy': 'merge',
    },
    resourceVersion: stringProperty(`Opaque version of the object, for optimistic concurrency and watch. Read-only. More info: ${CONVENTIONS}#concurrency-control-and-consistency`),
    selfLink: stringProperty('Deprecated and no longer populated.'),
    uid: stringProperty('Unique identifier of the object in time and space. Read-only.'),
  },
  type: 'object',
});

const listMeta = (): Schema => ({
  description: 'Metadata of a list.',
  properties: {
    continue: stringProperty('Opaque token to request the next chunk when the list was limited.'),
    remainingItemCount: { description: 'Estimated number of items after this chunk, when known.', format: 'int64', type: 'integer' },
    resourceVersion: stringProperty('Version of the collection this list was served at; start a watch from it.'),
    selfLink: stringProperty('Deprecated and no longer populated.'),
  },
  type: 'object',
});

const managedFieldsEntry = (): Schema => ({
  description: 'The fields one manager owns, in the version it used.',
  properties: {
    apiVersion: stringProperty('Group/version of the fields in this entry.'),
    fieldsType: stringProperty('Format of the field set; only "FieldsV1".'),
    fieldsV1: refProperty(FIELDS_V1, 'The owned fields, in the FieldsV1 format.'),
    manager: stringProperty('Name of the managing workflow.'),
    operation: stringProperty('Operation that created the entry: Apply or Update.'),
    subresource: stringProperty('Subresource the fields were written through; empty for the main resource.'),
    time: refProperty(TIME, 'When the entry last changed.'),
  },
  type: 'object',
});

const ownerReference = (): Schema => ({
  description: 'A reference to an owning object in the same namespace, or a cluster-scoped owner.',
  properties: {
    apiVersion: stringProperty('API version of the owner.', true),
    blockOwnerDeletion: { description: 'If true and the owner has the foregroundDeletion finalizer, the owner is not removed before this reference is.', type: 'boolean' },
    controller: { description: 'If true, the owner is the managing controller.', type: 'boolean' },
    kind: stringProperty('Kind of the owner.', true),
    name: stringProperty('Name of the owner.', true),
    uid: stringProperty('UID of the owner.', true),
  },
  required: ['apiVersion', 'kind', 'name', 'uid'],
  type: 'object',
  'x-kubernetes-map-type': 'atomic',
});

const subject = (): Schema => ({
  description: 'A user, group or service account a role binding applies to.',
  properties: {
    apiGroup: stringProperty('API group of the subject: "" for ServiceAccount, "rbac.authorization.k8s.io" for User and Group.'),
    kind: stringProperty('"User", "Group" or "ServiceAccount".', true),
    name: stringProperty('Name of the subject.', true),
    namespace: stringProperty('Namespace of a ServiceAccount subject; must be empty for User and Group.'),
  },
  required: ['kind', 'name'],
  type: 'object',
  'x-kubernetes-map-type': 'atomic',
});

const status = (): Schema => ({
  description: 'The result of a call that returns no object, and the body of every error.',
  properties: {
    ...typeMetaProperties(),
    code: { description: 'Suggested HTTP status code; 0 if not set.', format: 'int32', type: 'integer' },
    details: { ...refProperty(STATUS_DETAILS, 'Reason-specific details.'), 'x-kubernetes-list-type': 'atomic' },
    message: stringProperty('Human-readable description of the outcome.'),
    metadata: refProperty(LIST_META, 'Standard list metadata.', true),
    reason: stringProperty('Machine-readable reason for a Failure status.'),
    status: stringProperty('"Success" or "Failure".'),
  },
  type: 'object',
  [GVK_EXTENSION]: [{ group: '', kind: 'Status', version: 'v1' }],
});

const statusDetails = (): Schema => ({
  description: 'Details about the object a Status is about.',
  properties: {
    causes: {
      description: 'Individual causes, e.g. one per invalid field.',
      items: { allOf: [ref(STATUS_CAUSE)], default: {} },
      type: 'array',
      'x-kubernetes-list-type': 'atomic',
    },
    group: stringProperty('Group of the resource.'),
    kind: stringProperty('Kind of the resource.'),
    name: stringProperty('Name of the object.'),
    retryAfterSeconds: { description: 'Seconds to wait before retrying.', format: 'int32', type: 'integer' },
    uid: stringProperty('UID of the object.'),
  },
  type: 'object',
});

const statusCause = (): Schema => ({
  description: 'One cause of a failure.',
  properties: {
    field: stringProperty('The field at fault, in JSON path notation, e.g. "spec.account".'),
    message: stringProperty('Human-readable description of the cause.'),
    reason: stringProperty('Machine-readable cause.'),
  },
  type: 'object',
});

const deleteOptions = (gvks: GroupVersionKind[]): Schema => ({
  description: 'Options for a delete call.',
  properties: {
    ...typeMetaProperties(),
    dryRun: stringArray('"All" to run every stage without persisting.'),
    gracePeriodSeconds: { description: 'Seconds before the object is deleted; 0 means at once.', format: 'int64', type: 'integer' },
    orphanDependents: { description: 'Deprecated: use propagationPolicy.', type: 'boolean' },
    preconditions: refProperty(PRECONDITIONS, 'Must hold before the deletion is carried out; otherwise 409 Conflict.'),
    propagationPolicy: stringProperty('Garbage collection of dependents: Orphan, Background or Foreground.'),
  },
  type: 'object',
  [GVK_EXTENSION]: gvks,
});

const preconditions = (): Schema => ({
  description: 'Conditions that must hold before an update or delete is carried out.',
  properties: {
    resourceVersion: stringProperty('The required resourceVersion.'),
    uid: stringProperty('The required UID.'),
  },
  type: 'object',
});

const watchEvent = (gvks: GroupVersionKind[]): Schema => ({
  description: 'One event of a watch stream.',
  properties: {
    object: refProperty(RAW_EXTENSION, 'The object after ADDED or MODIFIED, the last state before DELETED, a Status for ERROR, or an object carrying only metadata.resourceVersion for BOOKMARK.'),
    type: { default: '', type: 'string' },
  },
  required: ['type', 'object'],
  type: 'object',
  [GVK_EXTENSION]: gvks,
});

/**
 * The upstream definitions a GV document needs, for the given group/versions. DeleteOptions and WatchEvent are
 * registered into every group/version an apiserver serves (metav1.AddToGroupVersion), so their GVK lists name
 * core v1 and ours; kube-aggregator merges GVK lists when it merges specs.
 */
export function upstreamSchemas(groupVersions: Array<{ group: string; version: string }>): Record<string, Schema> {
  // In the key order kube-openapi emits: group, kind, version.
  const gvks = (kind: string): GroupVersionKind[] =>
    [{ group: '', kind, version: 'v1' }, ...groupVersions.map(({ group, version }) => ({ group, kind, version }))];
  return {
    [SUBJECT]: subject(),
    [DELETE_OPTIONS]: deleteOptions(gvks('DeleteOptions')),
    [FIELDS_V1]: { description: 'A set of fields, as a trie in JSON; see sigs.k8s.io/structured-merge-diff.', type: 'object' },
    [LIST_META]: listMeta(),
    [MANAGED_FIELDS_ENTRY]: managedFieldsEntry(),
    [OBJECT_META]: objectMeta(),
    [OWNER_REFERENCE]: ownerReference(),
    [PATCH]: { description: 'The body of a PATCH request; its format is given by the Content-Type.', type: 'object' },
    [PRECONDITIONS]: preconditions(),
    [STATUS]: status(),
    [STATUS_CAUSE]: statusCause(),
    [STATUS_DETAILS]: statusDetails(),
    [TIME]: { description: 'A timestamp in RFC 3339 form.', format: 'date-time', type: 'string' },
    [WATCH_EVENT]: watchEvent(gvks('WatchEvent')),
    [RAW_EXTENSION]: { description: 'An embedded object of any kind.', type: 'object' },
  };
}
