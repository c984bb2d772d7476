import type { NextFunction, Request, Response } from 'express';
import type { TLSSocket } from 'node:tls';
import { unauthorized } from '../../storage/apimachinery/errors.js';
import type { UserInfo } from '../../storage/user-info.js';
import { withAuthenticatedGroup } from '../../storage/user-info.js';
import type { ClientCaPool } from '../authn/client-ca-pool.js';
import { parsePemBundle } from '../authn/client-ca-pool.js';
import { subjectValues, verifiedPeer } from '../authn/verified-peer.js';

/** The prefix of every AdmissionReview endpoint (admissionRouter's routes). */
export const ADMISSION_PATH = '/admission';

/** The admission client CA's name in the server's ClientCaPool. */
const ADMISSION_CA = 'admission';

/** The outcome for one request: the caller kube-apiserver's admission kubeconfig made, or why not. */
export type AdmissionCallerResult = { user: UserInfo } | { error: string };

/**
 * Who may POST AdmissionReviews: the holder of a client certificate the TLS handshake verified and whose
 * chain is anchored at the admission client CA (`--admission-client-ca-file`), with a CN among
 * `--admission-allowed-names` (any CN when the list is empty). kube-apiserver presents it when its
 * `--admission-control-config-file` gives our webhook service a kubeconfig user with client-certificate-data.
 *
 * The handshake does the verification (signatures, validity, pathlen, critical extensions); the CA is one
 * named bundle of the server's ClientCaPool (the TLS `ca` list also holds the front-proxy and client CAs,
 * and kube-apiserver sends a certificate only for an advertised CA), and verifiedPeer says which CA
 * anchored the chain. A front-proxy or cluster client certificate is therefore refused here.
 */
export class AdmissionClientAuthenticator {
  constructor(private readonly pool: ClientCaPool, caPem: string, private readonly allowedNames: string[]) {
    const certs = parsePemBundle(caPem);
    if (certs.length === 0) throw new Error('the admission client CA file holds no PEM certificate');
    if (certs.some((c) => !c.ca)) throw new Error('the admission client CA file holds a certificate that is not a CA');
    pool.set(ADMISSION_CA, caPem);
  }

  authenticate(socket: TLSSocket): AdmissionCallerResult {
    const peer = verifiedPeer(socket);
    if (!peer) return { error: 'no client certificate' };
    if ('error' in peer) return peer;
    if (!this.pool.anchors(ADMISSION_CA, peer)) return { error: 'x509: certificate not issued by the admission client CA' };
    // Go's pkix.Name keeps the last CN attribute.
    const cn = subjectValues(peer.leaf, 'CN').at(-1) ?? '';
    if (!cn) return { error: 'x509: certificate has no common name' };
    if (this.allowedNames.length > 0 && !this.allowedNames.includes(cn)) return { error: `x509: subject with cn=${cn} is not in the allowed list` };
    return { user: withAuthenticatedGroup({ username: cn, groups: [], extra: {} }) };
  }
}

/** Express routes ignore case (`/ADMISSION/accountquota` reaches the webhook): so does this check. */
function isAdmissionPath(path: string): boolean {
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
 * closes the connection (it calls destroySoon() once the 401 is written), the close lingers: the 401 goes
 * out, what still arrives is discarded unparsed (the HTTP parser is detached, so nothing pipelined behind it
 * is served), and the socket is destroyed once the client closes, LINGER_BYTES more arrived, or LINGER_MS
 * passed. No FIN goes out before that: a Node client (allowHalfOpen off) that gets a FIN while it is still
 * writing its body ends its own side, and its next write fails with EPIPE, which can reach the request before
 * the 401 does (one fuzzed anonymous review in 10,000 got EPIPE with the CPUs saturated, when the FIN was sent
 * at once). A client that has the answer closes by itself. Left open instead, the connection would stall (Node
 * does not drain a body nobody reads) and a keep-alive client's next request on it would hang.
 */
function closeUnlessComplete(req: Request, res: Response): void {
  if (req.complete) return;
  res.setHeader('Connection', 'close');
  const socket = req.socket;
  socket.destroySoon = () => {
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
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!authenticator || !isAdmissionPath(req.path)) return next();
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- an https server's sockets are TLSSockets; express types them as net.Socket
    const result = authenticator.authenticate(req.socket as TLSSocket);
    if ('user' in result) {
      req.user = result.user;
      return next();
    }
    closeUnlessComplete(req, res);
    next(unauthorized());
  };
}
