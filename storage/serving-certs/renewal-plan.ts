import { X509Certificate } from 'node:crypto';

/** What the Secret holds: PEM text under the keys kubernetes.io/tls Secrets use, plus the CA's key. */
export interface StoredCertificates {
  'tls.crt'?: string;
  'tls.key'?: string;
  'ca.crt'?: string;
  'ca.key'?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The serving certificate lives a year and is reissued in its last 90 days (kubelet rotates at 70-90% too). */
export const SERVING_VALIDITY_DAYS = 365;
const SERVING_RENEW_BEFORE_MS = 90 * DAY_MS;
/** The CA lives ten years (as Kiosk's did) and is replaced in its last year; until then it signs each reissue. */
export const CA_VALIDITY_DAYS = 3650;
const CA_RENEW_BEFORE_MS = 365 * DAY_MS;

export type RenewalPlan =
  | { action: 'keep' }
  | { action: 'reissue-serving'; reason: string }
  | { action: 'new-ca'; reason: string };

function parse(pem: string | undefined): X509Certificate | undefined {
  if (!pem) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/**
 * Decides whether the stored certificates can be served as they are. Anything unreadable, a CA near its
 * end, a serving certificate near its end, not signed by the CA, or not naming every DNS name the server
 * is reached by, is replaced: the server heals its Secret instead of failing to start.
 */
export function planRenewal(stored: StoredCertificates | undefined, dnsNames: string[], now: Date): RenewalPlan {
  const ca = parse(pemBlocks(stored?.['ca.crt'])[0]);
  if (!stored || !ca || !stored['ca.key']) return { action: 'new-ca', reason: 'no CA stored' };
  if (Date.parse(ca.validTo) - now.getTime() < CA_RENEW_BEFORE_MS) return { action: 'new-ca', reason: `CA expires ${ca.validTo}` };
  const serving = parse(stored['tls.crt']);
  if (!serving || !stored['tls.key']) return { action: 'reissue-serving', reason: 'no serving certificate stored' };
  if (Date.parse(serving.validTo) - now.getTime() < SERVING_RENEW_BEFORE_MS) return { action: 'reissue-serving', reason: `serving certificate expires ${serving.validTo}` };
  if (!serving.checkIssued(ca) || !serving.verify(ca.publicKey)) return { action: 'reissue-serving', reason: 'serving certificate not signed by the stored CA' };
  const missing = dnsNames.filter((name) => serving.checkHost(name, { wildcards: false }) === undefined);
  if (missing.length > 0) return { action: 'reissue-serving', reason: `serving certificate does not name ${missing.join(', ')}` };
  return { action: 'keep' };
}

function pemBlocks(bundlePem: string | undefined): string[] {
  return (bundlePem ?? '').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** The certificates in a PEM bundle that are still valid at `now` (an old CA is kept in the bundle until it expires). */
export function validCertificates(bundlePem: string | undefined, now: Date): string[] {
  return pemBlocks(bundlePem).filter((pem) => {
    const cert = parse(pem);
    return cert !== undefined && Date.parse(cert.validTo) > now.getTime();
  }).map((pem) => `${pem}\n`);
}
