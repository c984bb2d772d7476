import { LRUCache } from 'lru-cache';
import type { KubeClient } from '../client.js';
import type { UserInfo } from '../user-info.js';

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

/**
 * Delegated authorization: asks kube-apiserver with a SubjectAccessReview, as genericapiserver does.
 * Decisions are cached (allowed and denied alike) for a few seconds, keyed by the whole review spec,
 * so that a burst of requests costs one round trip while a revoked permission still stops working soon.
 */
export class SubjectAccessReviewer {
  private readonly cache: LRUCache<string, AccessDecision>;

  constructor(private readonly client: KubeClient, ttlMs = 5_000) {
    this.cache = new LRUCache<string, AccessDecision>({ max: 50_000, ttl: ttlMs });
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
    const cacheKey = JSON.stringify(spec);
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const review = await this.client.request<SubjectAccessReview>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
      timeoutMs: 10_000,
    });
    const s = review.status ?? {};
    const decision: AccessDecision = { allowed: s.allowed === true && s.denied !== true, reason: s.reason ?? s.evaluationError ?? '' };
    this.cache.set(cacheKey, decision);
    return decision;
  }
}
