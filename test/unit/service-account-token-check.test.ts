import { createHash, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { IssuerKeys, IssuerKeySource } from '../../storage/authentication/service-account-issuer.js';
import { ServiceAccountTokenCheck } from '../../storage/authentication/service-account-token-check.js';

const ISSUER = 'https://kubernetes.default.svc';
const NOW = Date.UTC(2026, 0, 1) ;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rotated = generateKeyPairSync('ec', { namedCurve: 'P-256' });
/** kube-apiserver's key id: base64url(sha256(DER public key)). */
const kid = (k: KeyObject) => createHash('sha256').update(k.export({ type: 'spki', format: 'der' })).digest('base64url');

/** A key source whose on-demand fetch returns `next` (or fails), counting fetches. */
class FakeSource implements IssuerKeySource {
  fetches = 0;
  constructor(private keys: IssuerKeys | undefined, private readonly next?: IssuerKeys | 'fail') {}
  current() {
    return this.keys;
  }
  async fetchedSince(): Promise<boolean> {
    this.fetches++;
    if (this.next === 'fail') return false;
    if (this.next) this.keys = this.next;
    return true;
  }
}

const published: IssuerKeys = { issuer: ISSUER, complete: true, keys: [{ kid: kid(rsa.publicKey), key: rsa.publicKey }, { kid: kid(ec.publicKey), key: ec.publicKey }] };
const claims = (extra: object = {}) => ({
  iss: ISSUER, sub: 'system:serviceaccount:dev:builder', aud: [ISSUER],
  iat: NOW / 1000 - 60, nbf: NOW / 1000 - 60, exp: NOW / 1000 + 3600, ...extra,
});
function sign(key: KeyObject, keyId: string | undefined, extra: object = {}, algorithm: jwt.Algorithm = 'RS256'): string {
  return jwt.sign(claims(extra), key, { algorithm, ...(keyId ? { keyid: keyId } : {}) });
}
const check = (source: IssuerKeySource) => new ServiceAccountTokenCheck(source, () => NOW);

describe('ServiceAccountTokenCheck', () => {
  it('sends tokens signed by a published RSA or ECDSA key to TokenReview (bound objects are its to check)', async () => {
    const source = new FakeSource(published);
    expect(await check(source).refusal(sign(rsa.privateKey, kid(rsa.publicKey)))).toBeUndefined();
    expect(await check(source).refusal(sign(ec.privateKey, kid(ec.publicKey), {}, 'ES256'))).toBeUndefined();
    expect(await check(source).refusal(sign(ec.privateKey, undefined, {}, 'ES256'))).toBeUndefined();
    expect(source.fetches).toBe(0);
  });

  it('refuses a service-account-issuer token forged with a published key id, without fetching keys', async () => {
    const source = new FakeSource(published);
    expect(await check(source).refusal(sign(attacker.privateKey, kid(rsa.publicKey)))).toBe('service account token has an invalid signature');
    expect(source.fetches).toBe(0);
  });

  it('refuses an unknown key id only after keys fetched since the token arrived still lack it', async () => {
    const source = new FakeSource(published, published);
    expect(await check(source).refusal(sign(attacker.privateKey, kid(attacker.publicKey))))
      .toBe(`service account token signed by an unknown key (kid ${JSON.stringify(kid(attacker.publicKey))})`);
    expect(source.fetches).toBe(1);
  });

  it('refuses a token without a key id that no key verifies, after a fresh fetch', async () => {
    const source = new FakeSource(published, published);
    expect(await check(source).refusal(sign(attacker.privateKey, undefined))).toBe('service account token has an invalid signature');
    expect(source.fetches).toBe(1);
  });

  it('accepts a key added by a rotation: the fresh fetch has it', async () => {
    const next = { ...published, keys: [...published.keys, { kid: kid(rotated.publicKey), key: rotated.publicKey }] };
    const source = new FakeSource(published, next);
    expect(await check(source).refusal(sign(rotated.privateKey, kid(rotated.publicKey), {}, 'ES256'))).toBeUndefined();
  });

  it('falls back to TokenReview when keys cannot be fetched, are absent, or some could not be read', async () => {
    const forged = sign(attacker.privateKey, kid(attacker.publicKey));
    expect(await check(new FakeSource(published, 'fail')).refusal(forged)).toBeUndefined();
    expect(await check(new FakeSource(undefined)).refusal(forged)).toBeUndefined();
    expect(await check(new FakeSource({ ...published, complete: false })).refusal(sign(attacker.privateKey, kid(rsa.publicKey)))).toBeUndefined();
  });

  it('refuses expired and not-yet-valid tokens beyond kube-apiserver\'s 60 s leeway, and only those', async () => {
    const source = new FakeSource(published);
    const k = kid(rsa.publicKey);
    expect(await check(source).refusal(sign(rsa.privateKey, k, { exp: NOW / 1000 - 3600 }))).toBe('service account token has expired');
    expect(await check(source).refusal(sign(rsa.privateKey, k, { exp: NOW / 1000 - 30 }))).toBeUndefined();
    expect(await check(source).refusal(sign(rsa.privateKey, k, { nbf: NOW / 1000 + 3600 }))).toBe('service account token is not valid yet');
    expect(await check(source).refusal(sign(rsa.privateKey, k, { nbf: NOW / 1000 + 30 }))).toBeUndefined();
  });

  it('refuses unsigned (alg none) and HMAC tokens naming the service-account issuer', async () => {
    const source = new FakeSource(published, published);
    const none = jwt.sign(claims(), '', { algorithm: 'none' });
    expect(await check(source).refusal(none)).toBe('service account token has an invalid signature');
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const hmac = jwt.sign(claims(), publicPem, { algorithm: 'HS256', keyid: kid(rsa.publicKey) });
    expect(await check(source).refusal(hmac)).toBe('service account token has an invalid signature');
  });

  it('leaves every token that another authenticator may own to TokenReview, without fetching keys', async () => {
    const source = new FakeSource(published, published);
    const otherIssuer = sign(attacker.privateKey, kid(attacker.publicKey), { iss: 'https://accounts.google.com' });
    for (const token of [
      otherIssuer, // an OIDC issuer's token: only kube-apiserver knows whether it trusts that issuer
      jwt.sign({ ...claims(), iss: undefined }, attacker.privateKey, { algorithm: 'RS256' }),
      'k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5', // EKS webhook token
      'ya29.c.b0AXv0zTPLtoken-part_2', // GKE access token: three parts that are no JWT
      'abcdef.0123456789abcdef', // bootstrap token
      'a-static-token-from-a-csv-file',
      'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', // a JWT header over a payload that is not JSON
      `${'a'.repeat(20_000)}.${'b'.repeat(20_000)}.c`,
    ]) {
      expect(await check(source).refusal(token)).toBeUndefined();
    }
    expect(source.fetches).toBe(0);
  });
});
