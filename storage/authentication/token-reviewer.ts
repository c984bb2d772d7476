import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { KubeClient } from '../client.js';
import type { UserInfo } from '../user-info.js';

interface TokenReview {
  status?: {
    authenticated?: boolean;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
    error?: string;
  };
}

export type TokenReviewResult = { user: UserInfo } | { error: string };

/**
 * Bearer tokens of clients that call the server directly (not through the aggregator) are checked with
 * TokenReview. Results are cached for 10 s (genericapiserver's default TTL), keyed by a hash of the
 * token so the token itself is never kept in memory longer than the request.
 */
export class TokenReviewer {
  private readonly cache = new LRUCache<string, TokenReviewResult>({ max: 10_000, ttl: 10_000 });

  constructor(private readonly client: KubeClient) {}

  async review(token: string): Promise<TokenReviewResult> {
    const cacheKey = createHash('sha256').update(token).digest('hex');
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const review = await this.client.request<TokenReview>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      timeoutMs: 10_000,
    });
    const s = review.status;
    const result: TokenReviewResult = s?.authenticated && s.user?.username
      ? { user: { username: s.user.username, ...(s.user.uid ? { uid: s.user.uid } : {}), groups: s.user.groups ?? [], extra: s.user.extra ?? {} } }
      : { error: s?.error || 'token not authenticated' };
    this.cache.set(cacheKey, result);
    return result;
  }
}
