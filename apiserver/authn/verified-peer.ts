import { createHash, X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** A client certificate the TLS handshake verified against one of the server's client CAs. */
export interface VerifiedPeer {
  leaf: X509Certificate;
  /** SHA-256 fingerprint (Node's colon form) of the trusted CA at the root of the verified chain. */
  anchorFingerprint256: string;
  /** When every certificate of the chain is valid: a connection may outlive a certificate. */
  validFrom: Date;
  validTo: Date;
}

/** No certificate, a certificate the handshake refused (why, in Go's words where they match), or a verified one. */
export type PeerCertificateResult = VerifiedPeer | { error: string } | undefined;

/** A connection's peer never changes: its chain is read and checked once per connection. */
const perSocket = new WeakMap<TLSSocket, PeerCertificateResult>();

/**
 * Chains already read and checked, by the SHA-256 of their certificates' DER: a burst of new connections
 * presenting one certificate (kube-apiserver opens one per concurrent webhook call) parses and checks it
 * once, not once per connection (about 1.5 ms each). What is cached depends on those bytes alone; whether
 * OpenSSL verified the connection is still asked of each socket, and validity of each request.
 */
const perChain = new Map<string, PeerCertificateResult>();
const MAX_CACHED_CHAINS = 64;

/** Longer chains than this are refused (Go's and OpenSSL's depth limits are larger; nobody needs more). */
const MAX_CHAIN = 10;

/**
 * The client certificate of a request, trusted only when OpenSSL verified it during the handshake
 * (`socket.authorized`, the server runs with `requestCert: true, rejectUnauthorized: false`): chain,
 * signatures, validity, critical extensions, basic constraints and path length are OpenSSL's checks,
 * the same X.509 rules Go applies in kube-apiserver. Nothing here re-implements them.
 *
 * What Node does not say is *which* CA of the `ca` list verified the peer. getPeerCertificate(true) links
 * the presented certificates, and then the trust-store root, through issuerCertificate; the root is the
 * anchor the authenticators compare with their own CA. Node builds those links by name, not from the
 * chain OpenSSL verified, so each link's signature is checked here: a chain whose names point at one CA
 * while another CA verified it is refused instead of being attributed to the wrong CA.
 */
export function verifiedPeer(socket: TLSSocket, now = new Date()): PeerCertificateResult {
  let result = perSocket.get(socket);
  if (!perSocket.has(socket)) {
    result = readVerifiedPeer(socket);
    perSocket.set(socket, result);
  }
  if (result && 'leaf' in result && (now < result.validFrom || now > result.validTo)) {
    // Go verifies on every request; a long-lived connection must not keep an expired certificate alive.
    return { error: 'x509: certificate has expired or is not yet valid' };
  }
  return result;
}

function readVerifiedPeer(socket: TLSSocket): PeerCertificateResult {
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  // Without a certificate Node returns an empty object (or null, on a closed socket), whatever its type says.
  const presented = socket.getPeerCertificate(true) as Partial<DetailedPeerCertificate> | null;
  if (!presented?.raw) return undefined;
  if (!socket.authorized) return { error: `x509: ${String((socket.authorizationError as Error | undefined) ?? 'certificate not verified')}` };
  const key = chainKey(presented as DetailedPeerCertificate);
  if (perChain.has(key)) return perChain.get(key);
  const result = checkChain(presented as DetailedPeerCertificate);
  if (perChain.size >= MAX_CACHED_CHAINS) perChain.delete(perChain.keys().next().value ?? '');
  perChain.set(key, result);
  return result;
}

/** The certificates Node linked, leaf first, as checkChain walks them (DER is self-delimiting: concatenated, unambiguous). */
function chainKey(presented: DetailedPeerCertificate): string {
  const hash = createHash('sha256');
  let current = presented;
  hash.update(current.raw);
  for (let n = 1; n <= MAX_CHAIN && (current.issuerCertificate as Partial<DetailedPeerCertificate> | undefined)?.raw
    && current.issuerCertificate.fingerprint256 !== current.fingerprint256; n++) {
    current = current.issuerCertificate;
    hash.update(current.raw);
  }
  return hash.digest('base64');
}

function checkChain(presented: DetailedPeerCertificate): PeerCertificateResult {
  const leaf = new X509Certificate(presented.raw);
  const chain = [leaf];
  let anchor = leaf;
  let current = presented;
  // The last certificate Node has is its own issuer, or (the CA not sent) has an empty issuerCertificate.
  const issuerOf = (c: DetailedPeerCertificate): Partial<DetailedPeerCertificate> | undefined => c.issuerCertificate;
  while (issuerOf(current)?.raw && current.issuerCertificate.fingerprint256 !== current.fingerprint256) {
    if (chain.length >= MAX_CHAIN) return { error: 'x509: certificate chain too long' };
    current = current.issuerCertificate;
    const issuer = new X509Certificate(current.raw);
    if (!signedBy(anchor, issuer)) return { error: 'x509: the verified chain could not be attributed to a CA' };
    chain.push(issuer);
    anchor = issuer;
  }
  return {
    leaf,
    anchorFingerprint256: anchor.fingerprint256,
    validFrom: new Date(Math.max(...chain.map((c) => new Date(c.validFrom).getTime()))),
    validTo: new Date(Math.min(...chain.map((c) => new Date(c.validTo).getTime()))),
  };
}

function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The values of one attribute of a distinguished name, e.g. all O= entries (groups) or the CN. */
export function subjectValues(cert: X509Certificate, attribute: string): string[] {
  return cert.subject.split('\n')
    .filter((line) => line.startsWith(`${attribute}=`))
    .map((line) => line.slice(attribute.length + 1))
    .map((v) => (v.startsWith('"') && v.endsWith('"') ? JSON.parse(v) as string : v));
}
