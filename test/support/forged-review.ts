import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:https';
import { admissionCredentials, direct } from './sandbox-access.js';

/** What the webhook answered: the HTTP status, and for a 200 the review's decision. */
export interface ForgedReviewAnswer { status: number; allowed?: boolean; code?: number; retryAfter?: number; message?: string }

/**
 * Posts a hand-made pod-create AdmissionReview for `name` in `ns` straight to the AccountQuota webhook, as
 * the attack did. It presents kube-apiserver's admission certificate (the sandbox authenticates
 * webhook callers), so it stands for any review the server accepts: without webhook authentication, anyone's.
 * `port`: another replica's (the registered server's by default); `agent`: connections to reuse.
 */
export async function forgePodReview(ns: string, name: string, port?: number, agent?: Agent): Promise<ForgedReviewAnswer> {
  const r = await direct({
    port, agent, method: 'POST', path: '/admission/accountquota', headers: { 'Content-Type': 'application/json' }, ...admissionCredentials(),
    body: JSON.stringify({
      apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
      request: {
        uid: randomUUID(), kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
        namespace: ns, name, operation: 'CREATE', userInfo: { username: 'forger' },
        object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    }),
  });
  if (r.status !== 200) return { status: r.status };
  const response = r.json<{ response: { allowed: boolean; status?: { code: number; message: string; details?: { retryAfterSeconds?: number } } } }>().response;
  return { status: 200, allowed: response.allowed, code: response.status?.code, retryAfter: response.status?.details?.retryAfterSeconds, message: response.status?.message };
}
