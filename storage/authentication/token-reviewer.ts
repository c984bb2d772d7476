import type { KubeClient } from '../client.js';
import { approximateBytes, DecisionCache, digestKey } from '../decision-cache.js';
import type { UserInfo } from '../user-info.js';
import type { ServiceAccountTokenCheck } from './service-account-token-check.js';

interface TokenReview {
  status?: {
    authenticated?: boolean;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
    error?: string;
  };
}

export type TokenReviewResult = { user: UserInfo } | { error: string };

export interface TokenReviewerOptions {
  /** How long a review's outcome is believed (genericapiserver's default: 10 s). */
  ttlMs: number;
  /** Memory for cached outcomes; a user in many groups costs more than one in few. */
  maxBytes: number;
}

const defaultTokenReviewerOptions: TokenReviewerOptions = { ttlMs: 10_000, maxBytes: 16 * 1024 * 1024 };

/** The most of a rejection's error text kept in a cached outcome. */
const MAX_ERROR_CHARS = 1024;

/**
 * Bearer tokens of clients that call the server directly (not through the aggregator) are checked with
 * TokenReview. Outcomes are cached, keyed by a digest of the token so the token itself is never kept in
 * memory longer than the request, and bounded in bytes: anyone can send tokens, rejected ones included.
 * A service-account token kube-apiserver would certainly refuse (forged signature, expired) is refused
 * before that, without a review (see ServiceAccountTokenCheck for what can and cannot be decided locally).
 * Other bad tokens are not rate-limited beyond the cache (a repeated one costs a review per TTL): each costs
 * kube-apiserver one review, what the same token sent to kube-apiserver itself would cost, and a shared
 * limit would let whoever sends garbage lock out every client with a valid token.
 */
export class TokenReviewer {
  private readonly cache: DecisionCache<TokenReviewResult>;

  constructor(private readonly client: KubeClient, options: Partial<TokenReviewerOptions> = {},
    private readonly serviceAccountTokens?: ServiceAccountTokenCheck) {
    const o = { ...defaultTokenReviewerOptions, ...options };
    this.cache = new DecisionCache<TokenReviewResult>(o, approximateBytes);
  }

  start(): void {
    this.cache.start();
  }

  stop(): void {
    this.cache.stop();
  }

  cacheStats(): { entries: number; bytes: number } {
    return this.cache.stats;
  }

  async review(token: string): Promise<TokenReviewResult> {
    const refusal = await this.serviceAccountTokens?.refusal(token);
    if (refusal) return { error: refusal };
    return this.cache.get(digestKey(token), async () => {
      const review = await this.client.request<TokenReview>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
        timeoutMs: 10_000,
      });
      const s = review.status;
      return s?.authenticated && s.user?.username
        ? { user: { username: s.user.username, ...(s.user.uid ? { uid: s.user.uid } : {}), groups: s.user.groups ?? [], extra: s.user.extra ?? {} } }
        : { error: (s?.error || 'token not authenticated').slice(0, MAX_ERROR_CHARS) };
    });
  }
}
