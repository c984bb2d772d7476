import { generateKeyPairSync } from 'node:crypto';
import { ServiceAccountIssuer } from '../../storage/authentication/service-account-issuer.js';
import type { KubeClient } from '../../storage/client.js';
import { silentLogger } from '../../storage/logger.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

/** The two discovery documents kube-apiserver serves, counted; `fail` makes the next reads fail. */
function discovery(jwks: unknown[]) {
  const state = { reads: 0, fail: false, accepts: [] as string[] };
  const client = {
    request: async (_method: string, path: string, params: { accept?: string } = {}) => {
      if (state.fail) throw new Error('connection refused');
      if (path === '/.well-known/openid-configuration') {
        state.reads++;
        return { issuer: 'https://kubernetes.default.svc', jwks_uri: 'https://kubernetes.default.svc/openid/v1/jwks' };
      }
      state.accepts.push(params.accept ?? '');
      return { keys: jwks };
    },
  } as unknown as KubeClient;
  return { client, state };
}

describe('ServiceAccountIssuer', () => {
  it('reads the issuer and the RSA and ECDSA keys from kube-apiserver, asking for the JWK set media type', async () => {
    const { client, state } = discovery([{ ...rsa.export({ format: 'jwk' }), kid: 'a', use: 'sig' }, { ...ec.export({ format: 'jwk' }), kid: 'b' }]);
    const issuer = new ServiceAccountIssuer(client, silentLogger);
    expect(await issuer.fetchedSince(0)).toBe(true);
    expect(issuer.current()?.issuer).toBe('https://kubernetes.default.svc');
    expect(issuer.current()?.keys.map((k) => [k.kid, k.key.asymmetricKeyType])).toEqual([['a', 'rsa'], ['b', 'ec']]);
    expect(issuer.current()?.complete).toBe(true);
    expect(state.accepts).toEqual(['application/jwk-set+json']);
  });

  it('marks the keys incomplete when one cannot be read', async () => {
    const { client } = discovery([{ ...rsa.export({ format: 'jwk' }), kid: 'a' }, { kty: 'OKP-unknown', kid: 'b' }]);
    const issuer = new ServiceAccountIssuer(client, silentLogger);
    await issuer.fetchedSince(0);
    expect(issuer.current()?.complete).toBe(false);
  });

  it('shares one fetch among concurrent waiters and answers later ones from it', async () => {
    const { client, state } = discovery([{ ...rsa.export({ format: 'jwk' }), kid: 'a' }]);
    const issuer = new ServiceAccountIssuer(client, silentLogger, { minFetchIntervalMs: 60_000 });
    const since = Date.now();
    expect(await Promise.all(Array.from({ length: 50 }, () => issuer.fetchedSince(since)))).toEqual(Array(50).fill(true));
    expect(state.reads).toBe(1);
    expect(await issuer.fetchedSince(since)).toBe(true);
    expect(state.reads).toBe(1);
  });

  it('answers false when the fetch fails, keeping the keys it had', async () => {
    const { client, state } = discovery([{ ...rsa.export({ format: 'jwk' }), kid: 'a' }]);
    const issuer = new ServiceAccountIssuer(client, silentLogger, { minFetchIntervalMs: 0 });
    await issuer.fetchedSince(0);
    state.fail = true;
    expect(await issuer.fetchedSince(Date.now() + 1)).toBe(false);
    expect(issuer.current()?.keys).toHaveLength(1);
  });
});
