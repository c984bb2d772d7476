import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { KubeClient } from '../client.js';
import type { Logger } from '../logger.js';

/** The cluster's service-account token issuer and the public keys its tokens are verified with. */
export interface IssuerKeys {
  issuer: string;
  keys: Array<{ kid?: string; key: KeyObject }>;
  /** False when some published key could not be read: then no token can be proved unsigned by the issuer. */
  complete: boolean;
}

/** What the token pre-check needs from the key source (a fake in unit tests). */
export interface IssuerKeySource {
  /** The keys last fetched, or undefined while discovery has never succeeded. */
  current(): IssuerKeys | undefined;
  /**
   * Resolves true once keys fetched by a request that *started* at or after `since` (ms epoch) are current,
   * false when that fetch failed: only keys read after a token arrived can prove it was signed by none.
   */
  fetchedSince(since: number): Promise<boolean>;
}

export interface ServiceAccountIssuerOptions {
  /** Periodic refresh, so rotated keys are known before the first token signed with them arrives. */
  refreshIntervalMs: number;
  /** Fetches on demand (unknown key id) start at most this often; waiting tokens share one fetch. */
  minFetchIntervalMs: number;
}

const defaultServiceAccountIssuerOptions: ServiceAccountIssuerOptions = { refreshIntervalMs: 5 * 60_000, minFetchIntervalMs: 1_000 };

interface OpenIdConfiguration {
  issuer?: unknown;
}

interface Jwks {
  keys?: Array<JsonWebKey & { kid?: unknown; use?: unknown }>;
}

/**
 * Reads kube-apiserver's service-account issuer discovery (ServiceAccountIssuerDiscovery, GA in 1.21):
 * `/.well-known/openid-configuration` for the issuer and `/openid/v1/jwks` for the keys, both from
 * kube-apiserver itself with the server's credentials (ClusterRole system:service-account-issuer-discovery).
 * The document's `jwks_uri` is not followed: it names the issuer's public host (kubernetes.default.svc, an
 * S3 bucket, an EKS OIDC URL), which the server may not reach; kube-apiserver serves the same keys at
 * /openid/v1/jwks whatever jwks_uri says. A cluster whose issuer is not an https URL serves no discovery:
 * current() then stays undefined and every token goes to TokenReview, as before.
 */
export class ServiceAccountIssuer implements IssuerKeySource {
  private keys: IssuerKeys | undefined;
  private readonly options: ServiceAccountIssuerOptions;
  /** When the last successful fetch started. */
  private okStartedAt = -Infinity;
  private lastStartedAt = -Infinity;
  private pending: { startedAt: number; done: Promise<boolean> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly client: KubeClient, private readonly log: Logger, options: Partial<ServiceAccountIssuerOptions> = {}) {
    this.options = { ...defaultServiceAccountIssuerOptions, ...options };
  }

  start(): void {
    this.stopped = false;
    void this.fetch();
    this.timer = setInterval(() => void this.fetch(), this.options.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  current(): IssuerKeys | undefined {
    return this.keys;
  }

  async fetchedSince(since: number): Promise<boolean> {
    // Bounded: each round either answers or waits for one fetch to end.
    for (let round = 0; round < 3 && !this.stopped; round++) {
      if (this.okStartedAt >= since) return true;
      if (this.pending && this.pending.startedAt >= since) return this.pending.done;
      if (this.pending) {
        await this.pending.done;
        continue;
      }
      const wait = this.lastStartedAt + this.options.minFetchIntervalMs - Date.now();
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      return this.fetch();
    }
    return this.okStartedAt >= since;
  }

  /** One discovery round; concurrent callers share it. False (old keys kept) when it fails. */
  private fetch(): Promise<boolean> {
    if (this.pending) return this.pending.done;
    const startedAt = Date.now();
    this.lastStartedAt = startedAt;
    const done = this.read().then((keys) => {
      const changed = JSON.stringify(keys.keys.map((k) => k.kid)) !== JSON.stringify(this.keys?.keys.map((k) => k.kid)) || keys.issuer !== this.keys?.issuer;
      this.keys = keys;
      this.okStartedAt = Math.max(this.okStartedAt, startedAt);
      if (changed) this.log.info('loaded the service-account issuer keys', { issuer: keys.issuer, keys: keys.keys.length });
      return true;
    }, (err: unknown) => {
      this.log.info('service-account issuer discovery failed; bearer tokens go to TokenReview unchecked', { err: String(err) });
      return false;
    }).finally(() => {
      this.pending = undefined;
    });
    this.pending = { startedAt, done };
    return done;
  }

  private async read(): Promise<IssuerKeys> {
    const config = await this.client.request<OpenIdConfiguration | null>('GET', '/.well-known/openid-configuration', { timeoutMs: 10_000 });
    if (typeof config?.issuer !== 'string' || config.issuer === '') throw new Error('the discovery document names no issuer');
    const jwks = await this.client.request<Jwks | null>('GET', '/openid/v1/jwks', { accept: 'application/jwk-set+json', timeoutMs: 10_000 });
    const keys: IssuerKeys['keys'] = [];
    let complete = true;
    for (const jwk of jwks?.keys ?? []) {
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      try {
        const key = createPublicKey({ key: jwk, format: 'jwk' });
        keys.push({ ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}), key });
      } catch {
        // A key Node cannot read: a token it signed must still reach TokenReview.
        complete = false;
      }
    }
    return { issuer: config.issuer, keys, complete };
  }
}
