import { X509Certificate } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { unauthorized } from '../../registry/errors.js';
import type { UserInfo } from '../../storage/user-info.js';
import { withAuthenticatedGroup } from '../../storage/user-info.js';

/** The prefix of every AdmissionReview endpoint (admissionRouter's routes). */
export const ADMISSION_PATH = '/admission';

type DetailedPeerCertificate = PeerCertificate & { issuerCertificate?: DetailedPeerCertificate };

/** The outcome for one connection: the caller kube-apiserver's admission kubeconfig made, or why not. */
export type AdmissionCallerResult = { user: UserInfo } | { error: string };

/**
 * Who may POST AdmissionReviews: the holder of a client certificate the TLS handshake verified and whose
 * chain runs through the admission client CA (`--admission-client-ca-file`), with a CN among
 * `--admission-allowed-names` (any CN when the list is empty). kube-apiserver presents it when its
 * `--admission-control-config-file` gives our webhook service a kubeconfig user with client-certificate-data.
 *
 * The handshake does the verification (signatures, validity, pathlen, critical extensions, the clientAuth
 * purpose): the server is created with `requestCert: true, rejectUnauthorized: false` and every trusted CA in
 * one `ca` list (front-proxy, client and this one), so `socket.authorized` only says "some trusted CA". Which
 * one is read from the verified chain Node hands back (`getPeerCertificate(true)` links each certificate to
 * its issuer, ending at the trust anchor from the `ca` list): the chain must contain one of this CA's
 * certificates, by SHA-256 fingerprint. A front-proxy or cluster client certificate is therefore refused here.
 */
export class AdmissionClientAuthenticator {
  private readonly fingerprints: Set<string>;
  /** A connection's peer never changes: its verdict is kept for the life of the socket. */
  private readonly perSocket = new WeakMap<TLSSocket, AdmissionCallerResult>();

  constructor(private readonly caPem: string, private readonly allowedNames: string[]) {
    const blocks = caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const certs = blocks.map((b) => new X509Certificate(b));
    if (certs.length === 0) throw new Error('the admission client CA file holds no PEM certificate');
    if (certs.some((c) => !c.ca)) throw new Error('the admission client CA file holds a certificate that is not a CA');
    this.fingerprints = new Set(certs.map((c) => c.fingerprint256));
  }

  /** PEM the TLS server must trust and advertise (Go clients send a certificate only for an advertised CA). */
  trustedCAs(): string[] {
    return [this.caPem];
  }

  authenticate(socket: TLSSocket): AdmissionCallerResult {
    const cached = this.perSocket.get(socket);
    if (cached) return cached;
    const result = this.check(socket);
    this.perSocket.set(socket, result);
    return result;
  }

  private check(socket: TLSSocket): AdmissionCallerResult {
    if (typeof socket.getPeerCertificate !== 'function') return { error: 'not a TLS connection' };
    const leaf = socket.getPeerCertificate(true) as DetailedPeerCertificate;
    if (!leaf || !leaf.raw) return { error: 'no client certificate' };
    if (!socket.authorized) return { error: `x509: ${String(socket.authorizationError ?? 'certificate not verified')}` };
    if (!this.issuedByAdmissionCa(leaf)) return { error: 'x509: certificate not issued by the admission client CA' };
    const cn = commonName(leaf);
    if (!cn) return { error: 'x509: certificate has no common name' };
    if (this.allowedNames.length > 0 && !this.allowedNames.includes(cn)) return { error: `x509: subject with cn=${cn} is not in the allowed list` };
    return { user: withAuthenticatedGroup({ username: cn, groups: [], extra: {} }) };
  }

  /** True when a certificate above the leaf in the verified chain is one of the admission CA's. */
  private issuedByAdmissionCa(leaf: DetailedPeerCertificate): boolean {
    const seen = new Set<string>([leaf.fingerprint256]);
    for (let cert = leaf.issuerCertificate; cert && cert.raw; cert = cert.issuerCertificate) {
      if (this.fingerprints.has(cert.fingerprint256)) return true;
      // The trust anchor links to itself: stop there.
      if (seen.has(cert.fingerprint256)) break;
      seen.add(cert.fingerprint256);
    }
    return false;
  }
}

/** Go's pkix.Name keeps the last CN attribute; Node gives an array when there are several. */
function commonName(cert: PeerCertificate): string {
  const cn = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.CN;
  return Array.isArray(cn) ? cn[cn.length - 1] ?? '' : cn ?? '';
}

/** Express routes ignore case (`/ADMISSION/accountquota` reaches the webhook): so does this check. */
export function isAdmissionPath(path: string): boolean {
  const p = path.toLowerCase();
  return p === ADMISSION_PATH || p.startsWith(`${ADMISSION_PATH}/`);
}

/**
 * After refusing a request whose body is still arriving: how much more the server discards, and for how long,
 * before it closes. Closing at once makes the kernel answer the client's next segment with a reset, and a
 * client still writing its body then sees EPIPE instead of the 401; Go's net/http and Apache linger the same
 * way (Go discards up to 256 KiB). The body itself is never parsed or kept.
 */
const LINGER_BYTES = 256 * 1024;
const LINGER_MS = 2_000;

/**
 * A refused request whose body has not all arrived is answered with `Connection: close`; when Node then
 * closes the connection (it calls destroySoon() once the 401 is written), the close lingers: the 401 and a
 * FIN go out, what still arrives is discarded unparsed (the HTTP parser is detached, so nothing pipelined
 * behind it is served), and the socket is destroyed once the client closes, LINGER_BYTES more arrived, or
 * LINGER_MS passed. Left open instead, the connection would stall (Node does not drain a body nobody reads)
 * and a keep-alive client's next request on it would hang.
 */
function closeUnlessComplete(req: Request, res: Response): void {
  if (req.complete) return;
  res.setHeader('Connection', 'close');
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    const limit = socket.bytesRead + LINGER_BYTES;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.removeAllListeners('data');
    socket.on('data', () => {
      if (socket.bytesRead > limit) socket.destroy();
    });
    socket.once('end', () => socket.destroy());
    socket.once('close', () => clearTimeout(timer));
    socket.resume();
  };
}

/**
 * The first filter after instrumentation: with webhook authentication configured, a request for
 * /admission/* without the admission client certificate is answered 401 before anything reads its body,
 * before TokenReview or SubjectAccessReview; the rest of the body is never read (closeUnlessComplete).
 * A request that passes carries the caller as its user, and the generic authentication leaves it alone.
 */
export function admissionAuthentication(authenticator: AdmissionClientAuthenticator | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!authenticator || !isAdmissionPath(req.path)) return next();
    const result = authenticator.authenticate(req.socket as TLSSocket);
    if ('user' in result) {
      req.user = result.user;
      return next();
    }
    closeUnlessComplete(req, res);
    next(unauthorized());
  };
}
