import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePemBundle, subjectValues, verifyClientCertificate } from '../../apiserver/authn/x509.js';
import { createCa, createLeaf } from '../cluster/pki.js';

let dir: string;
const cert = async (name: string) => new X509Certificate(await readFile(join(dir, `${name}.crt`)));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'x509-test-'));
  await createCa(dir, 'proxy-ca', 'proxy-ca');
  await createCa(dir, 'other-ca', 'other-ca');
  await createLeaf(dir, 'proxy', '/CN=front-proxy-client', 'proxy-ca', 'clientAuth');
  await createLeaf(dir, 'forged', '/CN=front-proxy-client', 'other-ca', 'clientAuth');
  await createLeaf(dir, 'server-only', '/CN=front-proxy-client', 'proxy-ca', 'serverAuth');
  await createLeaf(dir, 'groups', '/O=team-a/O=system:masters/CN=alice', 'proxy-ca', 'clientAuth');
}, 60_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('verifyClientCertificate', () => {
  it('accepts a client certificate signed by a trusted CA', async () => {
    expect(verifyClientCertificate(await cert('proxy'), [], [await cert('proxy-ca')])).toBeUndefined();
  });

  it('rejects a certificate from another CA with the same subject', async () => {
    expect(verifyClientCertificate(await cert('forged'), [], [await cert('proxy-ca')]))
      .toBe('x509: certificate signed by unknown authority');
  });

  it('does not let the peer smuggle its own CA in as an intermediate', async () => {
    expect(verifyClientCertificate(await cert('forged'), [await cert('other-ca')], [await cert('proxy-ca')]))
      .toBe('x509: certificate signed by unknown authority');
  });

  it('rejects a certificate without the clientAuth usage', async () => {
    expect(verifyClientCertificate(await cert('server-only'), [], [await cert('proxy-ca')]))
      .toBe('x509: certificate specifies an incompatible key usage');
  });

  it('rejects a certificate outside its validity period', async () => {
    expect(verifyClientCertificate(await cert('proxy'), [], [await cert('proxy-ca')], new Date('2001-01-01T00:00:00Z')))
      .toBe('x509: certificate has expired or is not yet valid');
  });

  it('rejects everything when no CA is configured', async () => {
    expect(verifyClientCertificate(await cert('proxy'), [], [])).toBe('x509: no trusted certificate authority configured');
  });
});

describe('subjectValues and parsePemBundle', () => {
  it('reads every O as a group and the CN as the user', async () => {
    const c = await cert('groups');
    expect(subjectValues(c, 'CN')).toEqual(['alice']);
    expect(subjectValues(c, 'O')).toEqual(['team-a', 'system:masters']);
  });

  it('splits a bundle and skips a broken block', async () => {
    const a = await readFile(join(dir, 'proxy-ca.crt'), 'utf8');
    const b = await readFile(join(dir, 'other-ca.crt'), 'utf8');
    const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n';
    expect(parsePemBundle(a + broken + b).map((c) => subjectValues(c, 'CN')[0])).toEqual(['proxy-ca', 'other-ca']);
  });
});
