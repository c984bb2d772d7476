import { X509Certificate } from 'node:crypto';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
const MAX_CHAIN_DEPTH = 5;

/** Splits a PEM bundle into certificates; an unparsable block is skipped rather than failing the bundle. */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certs.push(new X509Certificate(block));
    } catch {
      // kube-apiserver also drops what it cannot parse; the remaining CAs stay usable.
    }
  }
  return certs;
}

/** The values of one attribute of a distinguished name, e.g. all O= entries (groups) or the CN. */
export function subjectValues(cert: X509Certificate, attribute: string): string[] {
  return cert.subject.split('\n')
    .filter((line) => line.startsWith(`${attribute}=`))
    .map((line) => line.slice(attribute.length + 1))
    .map((v) => (v.startsWith('"') && v.endsWith('"') ? JSON.parse(v) as string : v));
}

function isValidAt(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Verifies a client certificate chain the way Go's x509.Verify does for kube-apiserver's client-cert
 * authenticators: the leaf must chain, through intermediates the peer sent, to one of `roots`; every
 * certificate must be valid now; the leaf must allow client authentication. Returns an error message,
 * or undefined when the chain verifies.
 */
export function verifyClientCertificate(leaf: X509Certificate, intermediates: X509Certificate[], roots: X509Certificate[],
  now = new Date()): string | undefined {
  if (roots.length === 0) return 'x509: no trusted certificate authority configured';
  if (!isValidAt(leaf, now)) return 'x509: certificate has expired or is not yet valid';
  const usages = leaf.keyUsage;
  if (usages && usages.length > 0 && !usages.includes(CLIENT_AUTH) && !usages.includes(ANY_EXTENDED_KEY_USAGE)) {
    return 'x509: certificate specifies an incompatible key usage';
  }
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    const root = roots.find((r) => isValidAt(r, now) && signedBy(current, r));
    if (root) return undefined;
    const next = intermediates.find((i) => i.ca && i.fingerprint256 !== current.fingerprint256 && isValidAt(i, now) && signedBy(current, i));
    if (!next) break;
    current = next;
  }
  return 'x509: certificate signed by unknown authority';
}
