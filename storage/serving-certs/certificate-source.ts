/** The key pair the server presents, and the CA bundle clients should trust it with (when the server knows it). */
export interface ServingCertificate {
  certPem: string;
  keyPem: string;
  /** PEM bundle: the CA that signed certPem first, then any older CA still valid during a rotation. */
  caBundlePem?: string;
}

/**
 * Where the serving certificate comes from: files (given, or mounted by cert-manager) or a Secret the server
 * manages. The CertificateKeeper calls load() periodically, so a rotated certificate is served without a
 * restart.
 */
export interface CertificateSource {
  /** Loads (creating or renewing where the source owns the certificate) the current certificate. */
  load(): Promise<ServingCertificate>;
}

/** Two certificates are the same when all their PEM text is. */
export function sameCertificate(a: ServingCertificate | undefined, b: ServingCertificate): boolean {
  return a !== undefined && a.certPem === b.certPem && a.keyPem === b.keyPem && a.caBundlePem === b.caBundlePem;
}
