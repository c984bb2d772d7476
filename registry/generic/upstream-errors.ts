import { KubeApiError } from '../../storage/kube-api-error.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import { alreadyExists, invalid, notFound, StatusError } from '../../storage/apimachinery/errors.js';
import { optimisticLockConflict } from './preconditions.js';

/**
 * kube-apiserver's own 4xx for a write we made on the user's behalf (an annotation key it refuses, an owner
 * reference it finds incomplete): the user's request was bad, so they get that Status, not a 500. 5xx stay
 * internal errors.
 */
function upstreamClientError(err: KubeApiError): StatusError | undefined {
  if (err.statusCode < 400 || err.statusCode >= 500) return undefined;
  const status = err.status;
  return new StatusError(err.statusCode, status?.reason || 'BadRequest', status?.message || err.message,
    status?.details);
}

/** How a resource's errors from kube-apiserver read to its clients. */
interface UpstreamWording {
  resource: GroupResource;
  /**
   * The kind, when kube-apiserver validates the stored object against this resource's own schema (a CRD of the
   * same kind under another group): its 422 is then ours, same causes under our group. Without it (a Space
   * stored as a Namespace) kube-apiserver's 422 passes through as it is.
   */
  sameSchemaKind?: string;
  /** An apply conflict's message and field paths in this resource's terms (they pass through otherwise). */
  conflictWording?: { text: (message: string) => string; field: (path: string) => string };
}

interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

const causesOf = (err: KubeApiError): StatusCause[] => (err.status?.details?.causes as StatusCause[] | undefined) ?? [];

/** A server-side apply conflict (a cause of reason metav1.CauseTypeFieldManagerConflict): another manager owns a field. */
export function isApplyConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 409 && causesOf(err).some((c) => c.reason === 'FieldManagerConflict');
}

/**
 * errors.NewApplyConflict: `Apply failed with 1 conflict: conflict with "flux": .spec.space.limit`, causes one per
 * field; no name or kind in the details, as upstream.
 */
function applyConflict(err: KubeApiError, wording: UpstreamWording['conflictWording']): StatusError {
  const text = wording?.text ?? ((s: string) => s);
  const field = wording?.field ?? ((s: string) => s);
  const causes = causesOf(err).map((c) => ({
    ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: text(c.message) } : {}), ...(c.field ? { field: field(c.field) } : {}),
  }));
  return new StatusError(409, 'Conflict', text(err.status?.message ?? err.message), { causes });
}

/**
 * The error a write to kube-apiserver failed with, as the client of this resource sees it: AlreadyExists and
 * NotFound under our resource, an apply conflict reworded, any other conflict as the optimistic-lock conflict
 * (someone wrote in between),
 * other 4xx passed through; anything else is left as it is (an internal error).
 */
export function fromUpstream(err: unknown, wording: UpstreamWording, name: string): unknown {
  if (!(err instanceof KubeApiError)) return err;
  const { resource, sameSchemaKind } = wording;
  if (err.statusCode === 409 && err.reason === 'AlreadyExists') return alreadyExists(resource, name);
  if (isApplyConflict(err)) return applyConflict(err, wording.conflictWording);
  if (err.statusCode === 409) return optimisticLockConflict(resource, name);
  if (err.statusCode === 404) return notFound(resource, name);
  if (err.statusCode === 422 && sameSchemaKind && err.status?.message) {
    const causes = (err.status.details?.causes as Array<{ field?: string; reason?: string; message?: string }> | undefined) ?? [];
    return invalid(sameSchemaKind, resource.group, name,
      causes.map((c) => ({ field: c.field ?? '', type: c.reason ?? 'FieldValueInvalid', detail: c.message ?? '' })));
  }
  return upstreamClientError(err) ?? err;
}
