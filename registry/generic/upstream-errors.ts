import { KubeApiError } from '../../storage/client.js';
import type { StatusDetails } from '../../storage/apimachinery/errors.js';
import { StatusError } from '../../storage/apimachinery/errors.js';

/**
 * kube-apiserver's own 4xx for a write we made on the user's behalf (an annotation key it refuses, an owner
 * reference it finds incomplete): the user's request was bad, so they get that Status, not a 500. Conflicts and
 * not-found keep their resource-specific translations in the writers; 5xx stay internal errors.
 */
export function upstreamClientError(err: unknown): StatusError | undefined {
  if (!(err instanceof KubeApiError) || err.statusCode < 400 || err.statusCode >= 500) return undefined;
  const status = err.status;
  return new StatusError(err.statusCode, status?.reason || 'BadRequest', status?.message || err.message,
    status?.details as StatusDetails | undefined);
}
