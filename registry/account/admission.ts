import type { AdmissionDecision, AdmissionRequest } from '../admission.js';
import { canonicalJson } from '../../storage/apimachinery/canonical-json.js';
import { invalid } from '../../storage/apimachinery/errors.js';
import { validateAccount } from './validation.js';

/**
 * Kiosk's /validate webhook for Accounts written straight as config.kiosk.sh objects (kubectl apply of the
 * CRD kind, GitOps): the same rules as writes through tenancy.kiosk.sh, so no path stores a malformed
 * subject or a forged account label. A 422 Invalid with field causes, as for the tenancy API.
 */
export function validateConfigAccount(request: AdmissionRequest): AdmissionDecision {
  // The review's objects are JSON of any shape; validateAccount judges them field by field.
  const account = request.object;
  if (!account) return { allowed: true };
  // An update that leaves spec alone (labels, annotations, finalizers) is not judged: an Account stored
  // before these checks (by Kiosk, say) stays manageable, and the server can always set its finalizer.
  const old = request.oldObject;
  if (request.operation === 'UPDATE' && old && canonicalJson(old.spec ?? {}) === canonicalJson(account.spec ?? {})) return { allowed: true };
  const errors = validateAccount(account);
  if (errors.length === 0) return { allowed: true };
  return { allowed: false, error: invalid('Account', 'config.kiosk.sh', account.metadata?.name ?? '', errors) };
}
