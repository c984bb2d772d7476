/**
 * Write preconditions and optimistic concurrency, worded as kube-apiserver words them for a Namespace
 * (pkg/registry/core/namespace/storage.Delete and rest.BeforeDelete check the DeleteOptions' preconditions
 * before storage is touched, so the message carries no StorageError), and the optimistic-lock conflict of
 * an update whose resourceVersion is stale (storage.OptimisticLockErrorMsg).
 */
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import type { StatusError } from '../../storage/apimachinery/errors.js';
import { conflict } from '../../storage/apimachinery/errors.js';

/** storage.OptimisticLockErrorMsg: the one definition of it. */
export const OPTIMISTIC_LOCK_ERROR_MSG = 'the object has been modified; please apply your changes to the latest version and try again';

interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** The stored object's identity and version the preconditions are checked against. */
interface CurrentVersion {
  uid?: string;
  resourceVersion?: string;
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
 * one is the optimistic-lock conflict (every read shows an object under its own version, so a client that
 * saw the current state holds exactly that one); an empty one means an unconditional update.
 */
export function checkResourceVersion(gr: GroupResource, name: string, requested: string | undefined, current: string): void {
  if (requested && requested !== current) throw optimisticLockConflict(gr, name);
}

/**
 * The delete-path check of DeleteOptions.preconditions: the UID first, then the resourceVersion; a mismatch is
 * 409 `Operation cannot be fulfilled on spaces.tenancy.kiosk.sh "x": Precondition failed: UID in precondition:
 * a, UID in object meta: b`. An empty value is no precondition.
 */
export function checkDeletePreconditions(gr: GroupResource, name: string, pre: Preconditions | undefined, current: CurrentVersion): void {
  if (pre?.uid && pre.uid !== current.uid) {
    throw conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(current.uid)}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== current.resourceVersion) {
    throw conflict(gr, name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(current.resourceVersion)}`);
  }
}
