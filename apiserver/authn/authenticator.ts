import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestHeaderConfig } from '../../storage/authentication/request-header-config.js';
import type { TokenReviewResult } from '../../storage/authentication/token-reviewer.js';
import type { UserInfo } from '../../storage/user-info.js';
import { anonymousUser, withAuthenticatedGroup } from '../../storage/user-info.js';
import type { ClientCaPool } from './client-ca-pool.js';
import { userFromRequestHeaders } from './request-header.js';
import { subjectValues, verifiedPeer } from './verified-peer.js';

/** The names of the two bundles of the extension-apiserver-authentication ConfigMap in the client CA pool. */
const FRONT_PROXY_CA = 'front-proxy';
const CLIENT_CA = 'client';

export interface TokenAuthenticator {
  review(token: string): Promise<TokenReviewResult>;
}

/** The outcome of authentication: a user, or the reason the request is rejected with 401. */
export type AuthenticationResult = { user: UserInfo; method: 'front-proxy' | 'x509' | 'token' | 'anonymous' } | { error: string };

/**
 * genericapiserver's delegating authenticator: union(front-proxy request headers, x509 client cert,
 * bearer token via TokenReview), then anonymous. A client certificate counts only when the TLS handshake
 * verified it (see verified-peer.ts); X-Remote-* headers are believed only when the front-proxy CA is the
 * anchor of that verified chain and its CN is one of the allowed names. As in kube-apiserver, a
 * presented certificate that fails is an error (401) unless another authenticator succeeds.
 */
export class Authenticator {
  private config: RequestHeaderConfig | undefined;

  constructor(private readonly tokens: TokenAuthenticator | undefined, private readonly clientCAs: ClientCaPool) {}

  setConfig(config: RequestHeaderConfig): void {
    this.config = config;
    this.clientCAs.set(FRONT_PROXY_CA, config.requestHeaderCA);
    this.clientCAs.set(CLIENT_CA, config.clientCA);
  }

  ready(): boolean {
    return this.config !== undefined;
  }

  async authenticate(req: IncomingMessage): Promise<AuthenticationResult> {
    const config = this.config;
    const errors: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- an https server's sockets are TLSSockets; node types them as net.Socket
    const peer = config ? verifiedPeer(req.socket as TLSSocket) : undefined;

    if (peer && 'error' in peer) {
      errors.push(peer.error);
    } else if (config && peer) {
      const fromProxyCA = this.clientCAs.anchors(FRONT_PROXY_CA, peer);
      if (fromProxyCA) {
        const cn = subjectValues(peer.leaf, 'CN').at(-1) ?? '';
        if (config.allowedNames.length > 0 && !config.allowedNames.includes(cn)) {
          errors.push(`x509: subject with cn=${cn} is not in the allowed list`);
        } else {
          const user = userFromRequestHeaders(req.headersDistinct, config);
          if (user) return { user: withAuthenticatedGroup(user), method: 'front-proxy' };
        }
      }
      if (this.clientCAs.anchors(CLIENT_CA, peer)) {
        const username = subjectValues(peer.leaf, 'CN').at(-1);
        if (username) {
          const user: UserInfo = {
            username, groups: subjectValues(peer.leaf, 'O'),
            extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${peer.leaf.fingerprint256.replace(/:/g, '').toLowerCase()}`] },
          };
          return { user: withAuthenticatedGroup(user), method: 'x509' };
        }
      } else if (errors.length === 0) {
        // Go's x509 authenticator verifies against the client CA alone: a front-proxy certificate without
        // user headers, or one from another purpose's CA of the pool (admission callers), fails it.
        errors.push('x509: certificate signed by unknown authority');
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
}
