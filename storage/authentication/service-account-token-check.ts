import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { IssuerKeys, IssuerKeySource } from './service-account-issuer.js';

/**
 * kube-apiserver's service-account authenticator allows its clock this much skew on exp/nbf (go-jose's
 * DefaultLeeway, used by pkg/serviceaccount): a token it would still accept is never refused here.
 */
const LEEWAY_SECONDS = 60;

/** Service-account tokens are a few KB; a bigger bearer token is left to TokenReview undecoded. */
const MAX_CHECKED_TOKEN_CHARS = 16 * 1024;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The signature algorithms kube-apiserver's service-account keys can verify (RSA and ECDSA keys). */
const ALGORITHMS: jwt.Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/**
 * Refuses, without a TokenReview, bearer tokens that kube-apiserver would certainly refuse, and sends
 * every other token to TokenReview. The reasoning:
 * - kube-apiserver runs several token authenticators (static token file, bootstrap tokens, service
 *   accounts, OIDC/structured JWT issuers, webhooks such as EKS's `k8s-aws-v1.` or GKE's `ya29.` tokens)
 *   and which ones is not visible from outside. A token that is not a JWT, or a "JWT" that does not decode
 *   (GKE's `ya29.c.…` access tokens have three dot-separated parts!), or a JWT of another issuer, may be
 *   valid for one of them: TokenReview decides.
 * - A well-formed JWT whose `iss` is the cluster's service-account issuer (read from kube-apiserver's own
 *   discovery document) belongs to the service-account authenticator: kube-apiserver refuses OIDC issuers
 *   equal to it. If no published key verifies its signature, or it expired / is not yet valid (with
 *   kube-apiserver's leeway), kube-apiserver refuses it: so do we, locally.
 * - "No key verifies" is decided only with keys fetched after the token arrived when its key id is
 *   unknown (a key added by a rotation may be newer than our copy); a known key id's key never changes
 *   (kube-apiserver derives the id from the key). No keys (discovery unreachable or absent), unreadable
 *   keys, or a failed refresh: TokenReview for everything, never a refusal of a token that may be valid.
 * - What passes goes to TokenReview as before: audiences, bound objects (pod, secret, node still existing),
 *   the service account itself, are kube-apiserver's to check.
 * Returns the reason for a refusal, or undefined to send the token to TokenReview.
 */
export class ServiceAccountTokenCheck {
  constructor(private readonly source: IssuerKeySource, private readonly now: () => number = Date.now) {}

  async refusal(token: string): Promise<string | undefined> {
    if (token.length > MAX_CHECKED_TOKEN_CHARS || !JWT_SHAPE.test(token)) return undefined;
    const arrived = this.now();
    let keys = this.source.current();
    if (!keys || !keys.complete) return undefined;
    const decoded = decodeJwt(token);
    if (!decoded || decoded.payload.iss !== keys.issuer) return undefined;

    let verdict = this.verify(token, decoded.kid, keys);
    if (verdict.kind === 'no-key' || (verdict.kind === 'unsigned' && decoded.kid === undefined)) {
      // The key may be newer than our copy: decide only with keys read after the token arrived.
      if (!(await this.source.fetchedSince(arrived))) return undefined;
      keys = this.source.current();
      if (!keys || !keys.complete || decoded.payload.iss !== keys.issuer) return undefined;
      verdict = this.verify(token, decoded.kid, keys);
    }
    switch (verdict.kind) {
      case 'no-key': return `service account token signed by an unknown key (kid ${JSON.stringify(decoded.kid)})`;
      case 'unsigned': return 'service account token has an invalid signature';
      case 'expired': return verdict.reason;
      case 'review': return undefined;
    }
  }

  private verify(token: string, kid: string | undefined, keys: IssuerKeys): Verdict {
    const candidates = kid === undefined ? keys.keys : keys.keys.filter((k) => k.kid === kid);
    if (candidates.length === 0) return { kind: 'no-key' };
    for (const { key } of candidates) {
      const outcome = verifyWith(token, key, keys.issuer, this.now());
      if (outcome !== 'bad-signature') return outcome;
    }
    return { kind: 'unsigned' };
  }
}

type Verdict = { kind: 'no-key' } | { kind: 'unsigned' } | { kind: 'expired'; reason: string } | { kind: 'review' };

function verifyWith(token: string, key: KeyObject, issuer: string, nowMs: number): Verdict | 'bad-signature' {
  try {
    jwt.verify(token, key, {
      algorithms: ALGORITHMS, issuer, clockTolerance: LEEWAY_SECONDS, clockTimestamp: Math.floor(nowMs / 1000),
    });
    return { kind: 'review' };
  } catch (err) {
    // jsonwebtoken checks the signature before the time claims: these two mean the signature was good.
    if (err instanceof jwt.TokenExpiredError) return { kind: 'expired', reason: 'service account token has expired' };
    if (err instanceof jwt.NotBeforeError) return { kind: 'expired', reason: 'service account token is not valid yet' };
    if (err instanceof Error && /^invalid (exp|nbf) value$/.test(err.message)) return { kind: 'expired', reason: `service account token has an ${err.message}` };
    return 'bad-signature';
  }
}

function decodeJwt(token: string): { kid: string | undefined; payload: { iss?: unknown } } | undefined {
  try {
    const decoded = jwt.decode(token, { complete: true, json: true });
    // The payload is whatever the token carried: its declared type does not rule out null.
    const payload: unknown = decoded?.payload;
    if (!decoded || typeof payload !== 'object' || payload === null) return undefined;
    const kid = decoded.header.kid;
    return { kid: typeof kid === 'string' ? kid : undefined, payload };
  } catch {
    return undefined;
  }
}
