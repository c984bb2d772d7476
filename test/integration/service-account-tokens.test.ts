/**
 * Bearer tokens sent straight to our server: a real service-account token works (through TokenReview);
 * tokens naming the cluster's service-account issuer that kube-apiserver would certainly refuse (signed by
 * another key, expired) are refused by our server without a TokenReview; anything else still goes to
 * TokenReview. TokenReviews are counted on kube-apiserver's own metrics.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { kubectlOk } from '../cluster/kubectl.js';
import { direct, eventually, pki } from '../support/sandbox-access.js';
import { tokenReviewsServed } from '../support/token-reviews.js';

const NAMESPACE = 'default';
const SERVICE_ACCOUNT = 'sa-token-check';
// Discovery needs only authentication; /metrics is not granted, so its 403 names who the server saw.
const GV_PATH = '/apis/tenancy.kiosk.sh/v1alpha1';
const PRIVILEGED_PATH = '/metrics';

let realToken: string;
let realClaims: jwt.JwtPayload;
let realKid: string;
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

const bearer = (token: string, path = GV_PATH) => direct({ path, headers: { Authorization: `Bearer ${token}` } });

/** A token with the real token's claims (issuer, audience, subject), re-signed with `key`. */
function resign(key: jwt.Secret, kid: string, claims: Partial<jwt.JwtPayload> = {}): string {
  return jwt.sign({ ...realClaims, ...claims }, key, { algorithm: 'RS256', keyid: kid });
}

/** The status of a request with `token` and how many TokenReviews kube-apiserver served meanwhile. */
async function withReviewCount(token: string): Promise<{ status: number; reviews: number }> {
  const before = await tokenReviewsServed();
  const res = await bearer(token);
  return { status: res.status, reviews: (await tokenReviewsServed()) - before };
}

beforeAll(async () => {
  await kubectlOk(['create', 'serviceaccount', SERVICE_ACCOUNT, '-n', NAMESPACE, '--dry-run=client', '-o', 'yaml'])
    .then((yaml) => kubectlOk(['apply', '-f', '-'], { stdin: yaml }));
  realToken = (await kubectlOk(['create', 'token', SERVICE_ACCOUNT, '-n', NAMESPACE, '--duration=10m'])).trim();
  const decoded = jwt.decode(realToken, { complete: true })!;
  realClaims = decoded.payload as jwt.JwtPayload;
  realKid = decoded.header.kid!;
  // The server reads the issuer's keys when it starts: wait until a forged token is refused locally (a new
  // token each time: a repeated one would be answered from the cache of TokenReview outcomes).
  let attempt = 0;
  expect(await eventually(async () => {
    const r = await withReviewCount(resign(attacker.privateKey, realKid, { jti: `startup-${attempt++}` }));
    return r.status === 401 && r.reviews === 0;
  }, 30_000, 500)).toBe(true);
}, 60_000);

afterAll(() => kubectlOk(['delete', 'serviceaccount', SERVICE_ACCOUNT, '-n', NAMESPACE, '--ignore-not-found']));

describe('service-account bearer tokens sent straight to the server', () => {
  it('authenticates a real token (kubectl create token) through TokenReview', async () => {
    const { status, reviews } = await withReviewCount(realToken);
    expect(status).toBe(200);
    expect(reviews).toBe(1);
    const denied = await bearer(realToken, PRIVILEGED_PATH);
    expect(denied.status).toBe(403);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest types its asymmetric matchers as any
    expect(denied.json()).toMatchObject({ message: expect.stringContaining(`User "system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}"`) });
  });

  it('refuses a token of the cluster issuer signed by another key with 401 and no TokenReview', async () => {
    for (const kid of [realKid, 'an-unknown-key-id']) {
      expect(await withReviewCount(resign(attacker.privateKey, kid, { jti: `forged-${kid}` }))).toEqual({ status: 401, reviews: 0 });
    }
  });

  it('refuses an expired token signed with the cluster\'s real key with 401 and no TokenReview', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = resign(readFileSync(pki().serviceAccountKey), realKid, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    expect(await withReviewCount(expired)).toEqual({ status: 401, reviews: 0 });
  });

  it('still sends garbage that another authenticator could own to TokenReview, and answers 401', async () => {
    const garbage = `garbage-${Date.now()}`;
    expect(await withReviewCount(garbage)).toEqual({ status: 401, reviews: 1 });
    const body = (await bearer(garbage)).json();
    expect(body).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
  });
});
