/**
 * Reading an AdmissionReview body, as the webhook transport does before any hook sees it: the one place that
 * bounds a review and decides whether it is one. The hooks rely on its bounds (their field errors print values
 * with JSON.stringify, which overflows the stack near 4,500 levels), so the admission fuzz reads through it too.
 */
import type { AdmissionRequest } from '../../registry/admission.js';
import { badRequest } from '../../storage/apimachinery/errors.js';
import { parseJson } from '../../storage/apimachinery/go-json.js';

/**
 * The most objects, arrays and fields an AdmissionReview may hold: it carries the object and the old one, and a
 * ConfigMap or a pod may hold far more fields than a Space.
 */
export const MAX_REVIEW_ENTRIES = 50_000;

/**
 * The review's request, with uid, operation and resource checked; nothing else in it is typed until a hook
 * checks it. @throws StatusError 400 for a body that is no review, holds too many values or nests deeper than
 * MAX_JSON_DEPTH.
 */
export function readAdmissionRequest(body: Buffer): AdmissionRequest {
  // As decoded: JSON.parse takes anything, so nothing in it is typed until checked.
  let review: { kind?: unknown; request?: { uid?: unknown; operation?: unknown; resource?: { group?: unknown; resource?: unknown } | null } | null } | null;
  try {
    // Scanned and bounded like any body before JSON.parse: a review is request data too.
    review = parseJson(body.toString('utf8'), MAX_REVIEW_ENTRIES).value as typeof review;
  } catch {
    throw badRequest('the body is not an AdmissionReview');
  }
  // JSON.parse takes `null`, numbers and arrays too: only an object with a request object is a review.
  if (typeof review !== 'object' || review === null || review.kind !== 'AdmissionReview' || typeof review.request !== 'object'
    || review.request === null || typeof review.request.uid !== 'string' || review.request.uid === ''
    || typeof review.request.operation !== 'string' || typeof review.request.resource !== 'object' || review.request.resource === null
    || typeof review.request.resource.group !== 'string' || typeof review.request.resource.resource !== 'string') {
    throw badRequest('the body is not an admission.k8s.io/v1 AdmissionReview with a request');
  }
  return review.request as AdmissionRequest;
}
