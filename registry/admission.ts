import type { StatusError } from '../storage/apimachinery/errors.js';
import type { GroupVersionKind, GroupVersionResource } from '../storage/apimachinery/group-version.js';

/** admission.k8s.io/v1 AdmissionRequest, the parts decisions read. */
export interface AdmissionRequest {
  uid: string;
  /** Absent from a review that did not come from kube-apiserver: the webhook checks only uid, operation, resource. */
  kind?: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  namespace?: string;
  name?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  userInfo: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object?: Record<string, unknown> & { metadata?: { name?: string; namespace?: string; uid?: string } };
  oldObject?: Record<string, unknown> & { metadata?: { name?: string; namespace?: string; uid?: string } };
  dryRun?: boolean;
}

/** One RFC 6902 operation of a mutating webhook's patch (the ones our defaults need). */
export interface JsonPatchOperation {
  op: 'add' | 'replace' | 'remove' | 'test';
  path: string;
  value?: unknown;
}

/**
 * A decision: allow (with warnings, and from a mutating webhook a JSON patch of the object), or deny with
 * the Status the user gets (after kube-apiserver's prefix).
 */
export type AdmissionDecision = { allowed: true; warnings?: string[]; patch?: JsonPatchOperation[] } | { allowed: false; error: StatusError };

export type AdmissionHandler = (request: AdmissionRequest) => Promise<AdmissionDecision>;
