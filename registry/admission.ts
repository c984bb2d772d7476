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
  userInfo: { username: string; groups?: string[] };
  object?: Record<string, unknown> & { metadata?: { name?: string; namespace?: string; uid?: string } };
  oldObject?: Record<string, unknown> & { metadata?: { name?: string; namespace?: string; uid?: string } };
  dryRun?: boolean;
}

/** A decision: allow (with warnings), or deny with the Status the user gets (after kube-apiserver's prefix). */
export type AdmissionDecision = { allowed: true; warnings?: string[] } | { allowed: false; error: StatusError };

export type AdmissionHandler = (request: AdmissionRequest) => Promise<AdmissionDecision>;
