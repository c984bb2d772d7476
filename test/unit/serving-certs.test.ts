import { execFile, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  bitString, boolean, encodeLength, explicit, implicit, integer, namedBits, octetString, oid, readChildren, readElement,
  readOid, sequence, set, x509Time,
} from '../../storage/serving-certs/der.js';
import {
  certificateExpiry, createCertificateAuthority, createServingCertificate, isSignedBy,
} from '../../storage/serving-certs/x509.js';
import type { KeyAndCert } from '../../storage/serving-certs/x509.js';

const hex = (b: Buffer) => b.toString('hex');
const DAY_MS = 24 * 60 * 60 * 1000;

describe('der', () => {
  it('pads an INTEGER whose high bit is set so it stays positive', () => {
    expect(hex(integer(Buffer.from([0x80])))).toBe('02020080');
    expect(hex(integer(Buffer.from([0xff, 0x01])))).toBe('020300ff01');
    expect(hex(integer(Buffer.from([0x7f])))).toBe('02017f');
    expect(hex(integer(128n))).toBe('02020080');
  });

  it('writes the shortest INTEGER: leading zeros dropped, negatives in two\'s complement', () => {
    expect(hex(integer(Buffer.from([0, 0, 0x01])))).toBe('020101');
    expect(hex(integer(Buffer.from([0, 0, 0x80])))).toBe('02020080');
    expect(hex(integer(Buffer.alloc(0)))).toBe('020100');
    expect(hex(integer(0n))).toBe('020100');
    expect(hex(integer(2))).toBe('020102');
    expect(hex(integer(-1n))).toBe('0201ff');
    expect(hex(integer(-128n))).toBe('020180');
    expect(hex(integer(-129n))).toBe('0202ff7f');
    expect(hex(integer(65535n))).toBe('020300ffff');
  });

  it('uses the long form for lengths of 128 and more', () => {
    expect(hex(encodeLength(0))).toBe('00');
    expect(hex(encodeLength(127))).toBe('7f');
    expect(hex(encodeLength(128))).toBe('8180');
    expect(hex(encodeLength(255))).toBe('81ff');
    expect(hex(encodeLength(256))).toBe('820100');
    expect(hex(encodeLength(65536))).toBe('83010000');
    expect(hex(octetString(Buffer.alloc(127)).subarray(0, 2))).toBe('047f');
    expect(hex(octetString(Buffer.alloc(128)).subarray(0, 3))).toBe('048180');
    expect(octetString(Buffer.alloc(128)).length).toBe(3 + 128);
    expect(hex(sequence(octetString(Buffer.alloc(300))).subarray(0, 8))).toBe('30820130' + '0482012c');
  });

  it('switches from UTCTime to GeneralizedTime at 2050 and drops fractions of a second', () => {
    const time = (iso: string) => {
      const el = readElement(x509Time(new Date(iso)));
      return [el.tag, el.content.toString('ascii')];
    };
    expect(time('2049-12-31T23:59:59.999Z')).toEqual([0x17, '491231235959Z']);
    expect(time('2050-01-01T00:00:00Z')).toEqual([0x18, '20500101000000Z']);
    expect(time('1950-01-01T00:00:00Z')).toEqual([0x17, '500101000000Z']);
    expect(time('1949-12-31T23:59:59Z')).toEqual([0x18, '19491231235959Z']);
    expect(time('2026-03-04T05:06:07Z')).toEqual([0x17, '260304050607Z']);
  });

  it('encodes object identifiers, including multi-byte arcs, and reads them back', () => {
    expect(hex(oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(oid('2.5.29.17'))).toBe('0603551d11');
    for (const dotted of ['1.2.840.10045.4.3.2', '2.999.3', '0.9.2342.19200300.100.1.1', '1.3.6.1.5.5.7.3.1']) {
      expect(readOid(readElement(oid(dotted)))).toBe(dotted);
    }
    expect(() => oid('1.40')).toThrow(RangeError);
    expect(() => oid('3.1')).toThrow(RangeError);
  });

  it('writes named bit lists without trailing zero bits', () => {
    expect(hex(namedBits([0, 5, 6]))).toBe('03020186'); // digitalSignature, keyCertSign, cRLSign
    expect(hex(namedBits([0, 2]))).toBe('030205a0'); // digitalSignature, keyEncipherment
    expect(hex(namedBits([8]))).toBe('0303070080'); // decipherOnly spills into a second byte
    expect(hex(bitString(Buffer.from([0xab])))).toBe('030200ab');
  });

  it('writes the other primitives and tags the way DER requires', () => {
    expect(hex(boolean(true))).toBe('0101ff');
    expect(hex(boolean(false))).toBe('010100');
    expect(hex(set(octetString(Buffer.from([2])), octetString(Buffer.from([1]))))).toBe('3106040101040102');
    expect(hex(explicit(0, integer(2)))).toBe('a003020102');
    expect(hex(explicit(3, sequence()))).toBe('a3023000');
    expect(hex(implicit(2, Buffer.from('a', 'ascii')))).toBe('820161');
  });

  it('reads back what it wrote, long lengths included', () => {
    const seq = sequence(octetString(Buffer.alloc(200, 7)), integer(5n));
    const children = readChildren(readElement(seq));
    expect(children.map((c) => c.tag)).toEqual([0x04, 0x02]);
    expect(children[0]?.content.length).toBe(200);
    expect(() => readElement(seq.subarray(0, seq.length - 1))).toThrow(RangeError);
  });
});

describe('createCertificateAuthority and createServingCertificate', () => {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const dnsNames = ['kiosk-next.kiosk.svc', 'kiosk-next.kiosk.svc.cluster.local', 'localhost'];
  const ipAddresses = ['127.0.0.1', '::1', 'fd00::ab:1'];
  let ca: KeyAndCert;
  let otherCa: KeyAndCert;
  let serving: KeyAndCert;

  beforeAll(() => {
    ca = createCertificateAuthority({ commonName: 'kiosk-next-ca', notBefore, validityDays: 3650 });
    otherCa = createCertificateAuthority({ commonName: 'kiosk-next-ca', notBefore, validityDays: 3650 });
    serving = createServingCertificate(ca, { commonName: 'kiosk-next.kiosk.svc', dnsNames, ipAddresses, notBefore, validityDays: 365 });
  });

  const seconds = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;

  it('makes a self-signed CA with its own P-256 key', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=kiosk-next-ca');
    expect(cert.issuer).toBe('CN=kiosk-next-ca');
    expect(new Date(cert.validFrom).getTime()).toBe(seconds(notBefore));
    expect(new Date(cert.validTo).getTime()).toBe(seconds(notBefore) + 3650 * DAY_MS);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(ca.keyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(key)).toBe(true);
  });

  it('gives every certificate a positive 16-byte random serial', () => {
    const serials = [ca, otherCa, serving].map((kc) => new X509Certificate(kc.certPem).serialNumber);
    for (const serial of serials) expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(new Set(serials).size).toBe(3);
  });

  it('makes a serving certificate for every DNS name and IP address, issued by the CA', () => {
    const cert = new X509Certificate(serving.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe('CN=kiosk-next.kiosk.svc');
    expect(cert.issuer).toBe(caCert.subject);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extKeyUsage serverAuth
    expect(new Date(cert.validFrom).getTime()).toBe(seconds(notBefore));
    expect(certificateExpiry(serving.certPem).getTime()).toBe(seconds(notBefore) + 365 * DAY_MS);

    const entries = (cert.subjectAltName ?? '').split(', ');
    expect(entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4))).toEqual(dnsNames);
    // Node prints IPv6 uncompressed and upper case; the URL parser gives both sides one canonical form.
    const canonical = (ip: string) => (ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip);
    expect(entries.filter((e) => e.startsWith('IP Address:')).map((e) => canonical(e.slice(11))))
      .toEqual(ipAddresses.map(canonical));

    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(serving.keyPem))).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(false);
  });

  it('tells which CA signed a certificate', () => {
    expect(isSignedBy(serving.certPem, ca.certPem)).toBe(true);
    // Same subject, different key: names match, the key identifier and signature do not.
    expect(isSignedBy(serving.certPem, otherCa.certPem)).toBe(false);
    expect(new X509Certificate(serving.certPem).verify(new X509Certificate(otherCa.certPem).publicKey)).toBe(false);
    expect(isSignedBy('not a certificate', ca.certPem)).toBe(false);
  });

  it('uses GeneralizedTime for dates from 2050 and reads them back', () => {
    const late = createCertificateAuthority({ commonName: 'late-ca', notBefore: new Date('2049-12-30T12:00:00Z'), validityDays: 5 });
    expect(new Date(new X509Certificate(late.certPem).validFrom).toISOString()).toBe('2049-12-30T12:00:00.000Z');
    expect(certificateExpiry(late.certPem).toISOString()).toBe('2050-01-04T12:00:00.000Z');
    const leaf = createServingCertificate(late, {
      commonName: 'x', dnsNames: ['x.example'], notBefore: new Date('2049-12-31T00:00:00Z'), validityDays: 2,
    });
    expect(isSignedBy(leaf.certPem, late.certPem)).toBe(true);
    expect(certificateExpiry(leaf.certPem).toISOString()).toBe('2050-01-02T00:00:00.000Z');
  });

  it('refuses what would make a broken certificate', () => {
    const base = { commonName: 'x', notBefore, validityDays: 1 };
    expect(() => createServingCertificate(ca, { ...base, dnsNames: [] })).toThrow(/at least one DNS name or IP/);
    expect(() => createServingCertificate(ca, { ...base, dnsNames: ['a'], ipAddresses: ['10.0.0.256'] })).toThrow(/not an IP/);
    expect(() => createServingCertificate(ca, { ...base, dnsNames: ['bücher.example'] })).toThrow(/IA5String/);
    expect(() => createServingCertificate(serving, { ...base, dnsNames: ['a'] })).toThrow(/not a CA/);
    expect(() => createServingCertificate({ keyPem: otherCa.keyPem, certPem: ca.certPem }, { ...base, dnsNames: ['a'] }))
      .toThrow(/does not match/);
    expect(() => createCertificateAuthority({ ...base, validityDays: 0 })).toThrow(/validityDays/);
    expect(() => createCertificateAuthority({ ...base, notBefore: new Date('nope') })).toThrow(/notBefore/);
  });

  describe('over TLS', () => {
    let server: Server;
    let port: number;

    beforeAll(async () => {
      server = createServer({ key: serving.keyPem, cert: serving.certPem }, (_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    const get = (caPem: string, servername?: string) => new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', ca: caPem, servername, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { body += chunk; });
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });

    it('completes a handshake for a DNS name and for an IP address when the client trusts the CA', async () => {
      await expect(get(ca.certPem, 'kiosk-next.kiosk.svc')).resolves.toBe('ok');
      await expect(get(ca.certPem)).resolves.toBe('ok'); // no servername: checked against IP 127.0.0.1
    });

    it('fails verification when the client trusts another CA', async () => {
      await expect(get(otherCa.certPem, 'kiosk-next.kiosk.svc'))
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest types its asymmetric matchers as any
        .rejects.toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_SIGNATURE_FAILURE/) });
    });

    it('fails for a name the certificate does not carry', async () => {
      await expect(get(ca.certPem, 'other.example')).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    });
  });

  describe('with openssl', () => {
    const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
    const run = promisify(execFile);
    let dir: string;

    beforeAll(async () => {
      if (!hasOpenssl) return;
      dir = await mkdtemp(join(tmpdir(), 'serving-certs-test-'));
      await writeFile(join(dir, 'ca.pem'), ca.certPem);
      await writeFile(join(dir, 'other-ca.pem'), otherCa.certPem);
      await writeFile(join(dir, 'serving.pem'), serving.certPem);
    });

    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    // Only this block depends on the binary; everything above runs without it.
    const withOpenssl = hasOpenssl ? it : it.skip;
    const reason = hasOpenssl ? '' : ' (skipped: openssl is not on PATH)';

    withOpenssl(`verifies the chain strictly for TLS server use${reason}`, async () => {
      const { stdout } = await run('openssl',
        ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.pem'), join(dir, 'serving.pem')]);
      expect(stdout.trim()).toBe(`${join(dir, 'serving.pem')}: OK`);
      await expect(run('openssl', ['verify', '-CAfile', join(dir, 'other-ca.pem'), join(dir, 'serving.pem')])).rejects.toThrow();
    });

    withOpenssl(`prints the extensions it was given${reason}`, async () => {
      const text = async (file: string) => (await run('openssl', ['x509', '-noout', '-text', '-in', join(dir, file)])).stdout;
      const caText = await text('ca.pem');
      expect(caText).toMatch(/Version: 3 \(0x2\)/);
      expect(caText).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
      expect(caText).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
      expect(caText).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
      const servingText = await text('serving.pem');
      expect(servingText).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
      expect(servingText).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
      expect(servingText).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
      expect(servingText).toMatch(/DNS:kiosk-next\.kiosk\.svc, DNS:kiosk-next\.kiosk\.svc\.cluster\.local, DNS:localhost, IP Address:127\.0\.0\.1/);
      // The serving certificate names the CA's key by the CA's own subjectKeyIdentifier.
      const caSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
      const aki = /Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(servingText)?.[1];
      expect(caSki).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
      expect(aki).toBe(caSki);
    });
  });
});
