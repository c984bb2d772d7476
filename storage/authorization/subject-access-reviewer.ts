import type { KubeClient } from '../client.js';
import { DecisionCache, digestKey } from '../decision-cache.js';
import type { UserInfo } from '../user-info.js';
import { ANONYMOUS_USER } from '../user-info.js';

/** What is being asked, in SubjectAccessReview terms: resource attributes, or a non-resource path. */
export interface AccessAttributes {
  verb: string;
  resource?: { group: string; version?: string; resource: string; subresource?: string; namespace?: string; name?: string };
  path?: string;
}

export interface AccessDecision {
  allowed: boolean;
  reason: string;
}

interface SubjectAccessReview {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

export interface SubjectAccessReviewerOptions {
  /** How long a decision (allowed or denied) is believed. */
  ttlMs: number;
  /** Memory for the decisions about authenticated users. */
  maxBytes: number;
  /**
   * Memory for the decisions about system:anonymous, kept apart: anyone who reaches the port is
   * anonymous, and requests with invented paths must not push out the decisions real users rely on.
   */
  anonymousMaxBytes: number;
}

const defaultSubjectAccessReviewerOptions: SubjectAccessReviewerOptions = {
  ttlMs: 5_000,
  maxBytes: 16 * 1024 * 1024,
  anonymousMaxBytes: 1024 * 1024,
};

/** The most of a review's reason kept in a cached decision (kube-apiserver's RBAC reasons are a line). */
const MAX_REASON_CHARS = 1024;

/**
 * Delegated authorization: asks kube-apiserver with a SubjectAccessReview, as genericapiserver does.
 * Decisions are cached (allowed and denied alike) for a few seconds, so that a burst of requests costs one
 * round trip while a revoked permission still stops working soon. The cache is keyed by a digest of the
 * review's spec (the user and the request's attributes: for a non-resource request that is the path, which
 * kube-apiserver's authorizer matches against nonResourceURLs, prefixes with `*` included), and bounded
 * in bytes, so a path of any length costs one small entry.
 */
export class SubjectAccessReviewer {
  private readonly users: DecisionCache<AccessDecision>;
  private readonly anonymous: DecisionCache<AccessDecision>;

  constructor(private readonly client: KubeClient, options: Partial<SubjectAccessReviewerOptions> = {}) {
    const o = { ...defaultSubjectAccessReviewerOptions, ...options };
    const size = (d: AccessDecision) => 8 + 2 * d.reason.length;
    this.users = new DecisionCache({ ttlMs: o.ttlMs, maxBytes: o.maxBytes }, size);
    this.anonymous = new DecisionCache({ ttlMs: o.ttlMs, maxBytes: o.anonymousMaxBytes }, size);
  }

  start(): void {
    this.users.start();
    this.anonymous.start();
  }

  stop(): void {
    this.users.stop();
    this.anonymous.stop();
  }

  /** What the caches hold: for tests and metrics. */
  cacheStats(): { users: { entries: number; bytes: number }; anonymous: { entries: number; bytes: number } } {
    return { users: this.users.stats, anonymous: this.anonymous.stats };
  }

  async authorize(user: UserInfo, attributes: AccessAttributes): Promise<AccessDecision> {
    const spec = {
      user: user.username,
      ...(user.uid ? { uid: user.uid } : {}),
      groups: user.groups,
      extra: user.extra,
      ...(attributes.resource
        ? { resourceAttributes: { verb: attributes.verb, ...attributes.resource } }
        : { nonResourceAttributes: { verb: attributes.verb, path: attributes.path ?? '/' } }),
    };
    const cache = user.username === ANONYMOUS_USER ? this.anonymous : this.users;
    return cache.get(digestKey(spec), async () => {
      const review = await this.client.request<SubjectAccessReview>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
        timeoutMs: 10_000,
      });
      const s = review.status ?? {};
      const reason = s.reason ?? s.evaluationError ?? '';
      return { allowed: s.allowed === true && s.denied !== true, reason: reason.slice(0, MAX_REASON_CHARS) };
    });
  }
}

