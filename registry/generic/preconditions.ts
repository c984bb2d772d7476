/**
 * Write preconditions and optimistic concurrency, worded as k8s.io/apiserver words them:
 * storage.Preconditions.Check wraps its text in a StorageError (invalid object, code 4) and the registry
 * turns that into a 409 Conflict (interpretDeleteError / interpretUpdateError); a stale resourceVersion on
 * update is the optimistic-lock conflict.
 */
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import type { StatusError } from '../../storage/apimachinery/errors.js';
import { conflict } from '../../storage/apimachinery/errors.js';

/** storage.OptimisticLockErrorMsg. */
export const OPTIMISTIC_LOCK_ERROR_MSG = 'the object has been modified; please apply your changes to the latest version and try again';

/** storage.ErrCodeInvalidObj. */
const ERR_CODE_INVALID_OBJ = 4;

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface CurrentVersion {
  uid: string;
  resourceVersion: string;
}

/**
 * The etcd key kube-apiserver would report: `/registry/<group>/<resource>/<name>` for a custom resource,
 * `/registry/<resource>/<name>` for a core one.
 */
export const storageKey = (gr: GroupResource, name: string): string =>
  (gr.group ? `/registry/${gr.group}/${gr.resource}/${name}` : `/registry/${gr.resource}/${name}`);

/** StorageError.Error() for ErrCodeInvalidObj, as it appears inside the conflict message. */
export const invalidObjectStorageError = (key: string, msg: string): string =>
  `StorageError: invalid object, Code: ${ERR_CODE_INVALID_OBJ}, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: ${msg}`;

/**
 * Preconditions.Check: the UID first, then the resourceVersion; a mismatch is 409
 * `Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "x": StorageError: invalid object, Code: 4,
 * Key: /registry/tenancy.kiosk.sh/spaces/x, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed:
 * UID in precondition: a, UID in object meta: b`. An empty precondition value is a precondition on the empty
 * value, as upstream (a pointer to ""); leave the member out to not check it.
 */
export function checkPreconditions(gr: GroupResource, name: string, pre: Preconditions | undefined, current: CurrentVersion,
  options: { storageKey?: string } = {}): void {
  if (!pre) return;
  const key = options.storageKey ?? storageKey(gr, name);
  if (pre.uid !== undefined && pre.uid !== null && pre.uid !== current.uid) {
    throw conflict(gr, name, invalidObjectStorageError(key,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.uid}`));
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== null && pre.resourceVersion !== current.resourceVersion) {
    throw conflict(gr, name, invalidObjectStorageError(key,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.resourceVersion}`));
  }
}

/**
 * 409 `Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "x": the object has been modified; please apply
 * your changes to the latest version and try again`.
 */
export function optimisticLockConflict(gr: GroupResource, name: string): StatusError {
  return conflict(gr, name, OPTIMISTIC_LOCK_ERROR_MSG);
}

/**
 * The update-path check: a resourceVersion in the new object (or in a patch) that differs from the current
 * one is the optimistic-lock conflict; an empty one means an unconditional update.
 */
export function checkResourceVersion(gr: GroupResource, name: string, requested: string | undefined, current: string): void {
  if (requested && requested !== current) throw optimisticLockConflict(gr, name);
}
