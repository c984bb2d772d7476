import type { KubeClient } from '../client.js';

/**
 * The user name kube-apiserver knows this server by, from a SelfSubjectReview (authentication.k8s.io/v1, GA in
 * 1.28; every authenticated user may create one). Asked once and remembered; a failed ask is asked again next
 * time, so a start-up while kube-apiserver is unreachable does not leave it unknown for good.
 */
export class OwnIdentity {
  private known: Promise<string | undefined> | undefined;

  constructor(private readonly client: Pick<KubeClient, 'request'>) {}

  username(): Promise<string | undefined> {
    this.known ??= this.client.request<{ status?: { userInfo?: { username?: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    }).then((review) => review.status?.userInfo?.username, () => {
      this.known = undefined;
      return undefined;
    });
    return this.known;
  }
}
