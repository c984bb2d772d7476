import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  bitString, boolean, explicit, ia5String, implicit, integer, namedBits, octetString, oid, readChildren, readElement,
  readOid, sequence, set, utf8String, x509Time,
} from './der.js';

/**
 * Self-signed CA and serving certificates, written with node:crypto alone (no openssl binary), so the
 * server can mint its own TLS identity at startup the way Kiosk did. ECDSA P-256 keys signed with
 * ecdsa-with-SHA256: small, fast to generate, and accepted by Go's crypto/tls (kube-apiserver) and OpenSSL.
 * The extension profile follows k8s.io/client-go/util/cert (GenerateSelfSignedCertKey).
 */

/** A private key (PKCS#8 "PRIVATE KEY" PEM) and its certificate (PEM). */
export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

export interface CertificateAuthorityOptions {
  commonName: string;
  /** The caller backdates this to tolerate clock skew between us and our clients. */
  notBefore: Date;
  validityDays: number;
}

export interface ServingCertificateOptions {
  commonName: string;
  dnsNames: string[];
  /** IPv4 or IPv6 literals, without a zone (e.g. '10.0.0.1', 'fd00::1'). */
  ipAddresses?: string[];
  notBefore: Date;
  validityDays: number;
}

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** KeyUsage bit numbers (RFC 5280 4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** RFC 5758 3.2: the parameters of ecdsa-with-SHA256 are absent, not NULL. */
const SIGNATURE_ALGORITHM = sequence(oid(OID.ecdsaWithSha256));

const DAY_MS = 24 * 60 * 60 * 1000;

export function createCertificateAuthority(opts: CertificateAuthorityOptions): KeyAndCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const subject = distinguishedName(opts.commonName);
  const certDer = signCertificate({
    issuer: subject,
    subject,
    spki,
    ...validity(opts.notBefore, opts.validityDays),
    extensions: [
      extension(OID.basicConstraints, true, sequence(boolean(true))),
      extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    ],
  }, privateKey);
  return { keyPem: exportKey(privateKey), certPem: pem('CERTIFICATE', certDer) };
}

/**
 * Issues a serving certificate signed by `ca`. If `ca.certPem` is a bundle, only its first certificate
 * counts (that is all X509Certificate parses), and it must be the one that matches `ca.keyPem`.
 */
export function createServingCertificate(ca: KeyAndCert, opts: ServingCertificateOptions): KeyAndCert {
  const ipAddresses = opts.ipAddresses ?? [];
  if (opts.dnsNames.length === 0 && ipAddresses.length === 0) {
    // RFC 5280 forbids an empty subjectAltName, and clients no longer match the CN.
    throw new Error('x509: a serving certificate needs at least one DNS name or IP address');
  }
  const caCert = new X509Certificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  if (!caCert.ca) throw new Error('x509: the issuing certificate is not a CA');
  if (caKey.asymmetricKeyType !== 'ec') throw new Error(`x509: the CA key must be ECDSA, not ${String(caKey.asymmetricKeyType)}`);
  if (!caCert.checkPrivateKey(caKey)) throw new Error('x509: the CA key does not match the CA certificate');
  const issuerFields = readIssuerFields(caCert.raw);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const generalNames = [
    ...opts.dnsNames.map((name) => implicit(2, dnsNameContent(name))),
    ...ipAddresses.map((address) => implicit(7, ipAddressBytes(address))),
  ];
  const extensions = [
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment])),
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
    extension(OID.subjectAltName, false, sequence(...generalNames)),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
  ];
  // Like Go, name the issuer's key only when the issuer declares an identifier: a computed one that
  // differed from the CA's own would make OpenSSL reject the chain (AKID/SKID mismatch).
  if (issuerFields.subjectKeyIdentifier) {
    extensions.push(extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, issuerFields.subjectKeyIdentifier))));
  }
  const certDer = signCertificate({
    // Copied byte for byte: issuer/subject matching is by encoding in many verifiers.
    issuer: issuerFields.subject,
    subject: distinguishedName(opts.commonName),
    spki,
    ...validity(opts.notBefore, opts.validityDays),
    extensions,
  }, caKey);
  return { keyPem: exportKey(privateKey), certPem: pem('CERTIFICATE', certDer) };
}

/** When the certificate stops being valid (its notAfter). */
export function certificateExpiry(certPem: string): Date {
  const expiry = new Date(new X509Certificate(certPem).validTo);
  if (Number.isNaN(expiry.getTime())) throw new Error('x509: unreadable notAfter');
  return expiry;
}

/**
 * Whether `certPem` was issued by `caCertPem`: names and key identifiers match and the signature verifies
 * with the CA's key. Only the first certificate of a PEM bundle is considered. Unparsable input is "not signed by", so a caller deciding whether to regenerate
 * certificates regenerates rather than failing on a damaged file.
 */
export function isSignedBy(certPem: string, caCertPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caCertPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

interface TbsFields {
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

function signCertificate(fields: TbsFields, signingKey: KeyObject): Buffer {
  const tbs = sequence(
    explicit(0, integer(2)), // v3: extensions need it
    integer(serialNumber()),
    SIGNATURE_ALGORITHM,
    fields.issuer,
    sequence(x509Time(fields.notBefore), x509Time(fields.notAfter)),
    fields.subject,
    fields.spki,
    explicit(3, sequence(...fields.extensions)),
  );
  const signature = sign('sha256', tbs, { key: signingKey, dsaEncoding: 'der' });
  return sequence(tbs, SIGNATURE_ALGORITHM, bitString(signature));
}

/**
 * 16 random bytes as a positive integer (RFC 5280 4.1.2.2: positive, at most 20 octets). The top bit is
 * cleared so no sign byte is needed and the next one set so the encoding is always exactly 16 bytes long.
 */
function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial;
}

function validity(notBefore: Date, validityDays: number): { notBefore: Date; notAfter: Date } {
  if (!(notBefore instanceof Date) || Number.isNaN(notBefore.getTime())) throw new Error('x509: invalid notBefore');
  if (!Number.isFinite(validityDays) || validityDays <= 0) throw new Error(`x509: invalid validityDays ${validityDays}`);
  // Certificates carry whole seconds; truncating here keeps notAfter exactly validityDays after notBefore.
  const start = Math.floor(notBefore.getTime() / 1000) * 1000;
  return { notBefore: new Date(start), notAfter: new Date(start + Math.round(validityDays * DAY_MS)) };
}

function distinguishedName(commonName: string): Buffer {
  if (commonName.length === 0) throw new Error('x509: empty common name');
  return sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
}

/** DER's BOOLEAN DEFAULT FALSE: `critical` is written only when true. */
function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bits. */
function keyIdentifier(spki: Buffer): Buffer {
  const [, subjectPublicKey] = readChildren(readElement(spki));
  if (!subjectPublicKey) throw new Error('x509: malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(subjectPublicKey.content.subarray(1)).digest();
}

/** The CA certificate's subject (to become our issuer) and its subjectKeyIdentifier, if it has one. */
function readIssuerFields(certDer: Buffer): { subject: Buffer; subjectKeyIdentifier?: Buffer } {
  const [tbs] = readChildren(readElement(certDer));
  if (!tbs) throw new Error('x509: malformed CA certificate');
  const fields = readChildren(tbs);
  // version [0] is optional; after it: serial, signature, issuer, validity, subject, spki, then [1] [2] [3].
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[base + 4];
  if (!subject) throw new Error('x509: malformed CA certificate');
  const extensionsWrapper = fields.find((field) => field.tag === 0xa3);
  const extensionList = extensionsWrapper ? readChildren(extensionsWrapper)[0] : undefined;
  for (const ext of extensionList ? readChildren(extensionList) : []) {
    const parts = readChildren(ext);
    const [id] = parts;
    const value = parts[parts.length - 1];
    if (id && value && readOid(id) === OID.subjectKeyIdentifier) {
      return { subject: subject.bytes, subjectKeyIdentifier: readElement(value.content).content };
    }
  }
  return { subject: subject.bytes };
}

/** dNSName is an IA5String; ia5String() refuses non-ASCII, so internationalized names must be A-labels. */
function dnsNameContent(name: string): Buffer {
  if (name.length === 0) throw new Error('x509: empty DNS name');
  return readElement(ia5String(name)).content;
}

/** iPAddress is the address in network byte order: 4 bytes for IPv4, 16 for IPv6 (RFC 5280 4.2.1.6). */
function ipAddressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!isIPv6(address) || address.includes('%')) throw new Error(`x509: '${address}' is not an IP address`);
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    // An embedded IPv4 tail (e.g. ::ffff:10.0.0.1) is the last two 16-bit groups.
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

function exportKey(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
