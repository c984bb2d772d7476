import type { X509Certificate } from 'node:crypto';
import { X509Certificate as Cert } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { RequestHeaderConfig } from '../../storage/authentication/request-header-config.js';
import type { TokenReviewResult } from '../../storage/authentication/token-reviewer.js';
import type { UserInfo } from '../../storage/user-info.js';
import { anonymousUser, withAuthenticatedGroup } from '../../storage/user-info.js';
import type { DistinctHeaders } from './request-header.js';
import { userFromRequestHeaders } from './request-header.js';
import { parsePemBundle, subjectValues, verifyClientCertificate } from './x509.js';

export interface TokenAuthenticator {
  review(token: string): Promise<TokenReviewResult>;
}

/** The outcome of authentication: a user, or the reason the request is rejected with 401. */
export type AuthenticationResult = { user: UserInfo; method: 'front-proxy' | 'x509' | 'token' | 'anonymous' } | { error: string };

interface TrustState {
  config: RequestHeaderConfig;
  requestHeaderRoots: X509Certificate[];
  clientRoots: X509Certificate[];
}

interface PeerChain {
  leaf: X509Certificate;
  intermediates: X509Certificate[];
}

/**
 * genericapiserver's delegating authenticator: union(front-proxy request headers, x509 client cert,
 * bearer token via TokenReview), then anonymous. X-Remote-* headers are believed only when the client
 * certificate verifies against the front-proxy CA alone and its CN is one of the allowed names; Node
 * cannot tell which of the `ca` entries verified a peer, so each chain is verified here.
 */
export class Authenticator {
  private trust: TrustState | undefined;
  /**
   * Certificate checks cost signature verifications; a TLS connection's peer never changes, so the chain
   * and its verification against each CA bundle are kept per connection (until the trust changes).
   */
  private readonly perSocket = new WeakMap<TLSSocket, { trust: TrustState; chain: PeerChain | undefined; verified: Map<X509Certificate[], string | undefined> }>();

  constructor(private readonly tokens: TokenAuthenticator | undefined) {}

  setConfig(config: RequestHeaderConfig): void {
    this.trust = {
      config,
      requestHeaderRoots: parsePemBundle(config.requestHeaderCA),
      clientRoots: parsePemBundle(config.clientCA),
    };
  }

  /** PEM bundle the TLS server must advertise so Go clients send the proxy's client certificate. */
  trustedClientCAs(): string[] {
    if (!this.trust) return [];
    return [this.trust.config.requestHeaderCA, this.trust.config.clientCA].filter((pem) => pem.trim() !== '');
  }

  ready(): boolean {
    return this.trust !== undefined;
  }

  async authenticate(req: IncomingMessage): Promise<AuthenticationResult> {
    const trust = this.trust;
    const errors: string[] = [];
    const peer = trust ? this.peer(req.socket as TLSSocket, trust) : undefined;
    const chain = peer?.chain;
    const verify = (roots: X509Certificate[]) => {
      if (!peer!.verified.has(roots)) peer!.verified.set(roots, verifyClientCertificate(chain!.leaf, chain!.intermediates, roots));
      return peer!.verified.get(roots);
    };

    if (trust && chain && trust.requestHeaderRoots.length > 0) {
      const failure = verify(trust.requestHeaderRoots);
      if (!failure) {
        const cn = subjectValues(chain.leaf, 'CN')[0] ?? '';
        if (trust.config.allowedNames.length > 0 && !trust.config.allowedNames.includes(cn)) {
          errors.push(`x509: subject with cn=${cn} is not in the allowed list`);
        } else {
          const user = userFromRequestHeaders(req.headersDistinct as DistinctHeaders, trust.config);
          if (user) return { user: withAuthenticatedGroup(user), method: 'front-proxy' };
        }
      }
    }

    if (trust && chain && trust.clientRoots.length > 0) {
      const failure = verify(trust.clientRoots);
      if (!failure) {
        const username = subjectValues(chain.leaf, 'CN')[0];
        if (username) {
          const user: UserInfo = {
            username, groups: subjectValues(chain.leaf, 'O'),
            extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${chain.leaf.fingerprint256.replace(/:/g, '').toLowerCase()}`] },
          };
          return { user: withAuthenticatedGroup(user), method: 'x509' };
        }
      } else if (errors.length === 0) {
        errors.push(failure);
      }
    }

    const authorization = req.headers.authorization;
    if (authorization && /^bearer\s+/i.test(authorization) && this.tokens) {
      const token = authorization.replace(/^bearer\s+/i, '').trim();
      if (token) {
        const result = await this.tokens.review(token);
        if ('user' in result) return { user: withAuthenticatedGroup(result.user), method: 'token' };
        errors.push(result.error);
      }
    }

    if (errors.length > 0) return { error: errors.join('; ') };
    return { user: anonymousUser(), method: 'anonymous' };
  }

  private peer(socket: TLSSocket, trust: TrustState) {
    const cached = this.perSocket.get(socket);
    if (cached && cached.trust === trust) return cached;
    const chain = typeof socket.getPeerCertificate === 'function' ? readPeerChain(socket.getPeerCertificate(true)) : undefined;
    const entry = { trust, chain, verified: new Map<X509Certificate[], string | undefined>() };
    this.perSocket.set(socket, entry);
    return entry;
  }
}

/** The certificates the peer presented: Node links them through issuerCertificate (a root links to itself). */
function readPeerChain(peer: PeerCertificate & { issuerCertificate?: PeerCertificate }): PeerChain | undefined {
  if (!peer || !peer.raw) return undefined;
  const leaf = new Cert(peer.raw);
  const intermediates: X509Certificate[] = [];
  const seen = new Set([peer.fingerprint256]);
  let next = peer.issuerCertificate;
  while (next && next.raw && !seen.has(next.fingerprint256)) {
    seen.add(next.fingerprint256);
    intermediates.push(new Cert(next.raw));
    next = (next as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return { leaf, intermediates };
}
