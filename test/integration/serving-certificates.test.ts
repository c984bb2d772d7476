// The server's own certificates, as on a real cluster: the CA and serving certificate in a Secret,
// the CA injected into the APIService and webhooks, renewal before expiry, and replicas racing to create it.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';
import { APISERVICE_NAME, SERVER_DNS_NAME, SERVER_NAMESPACE, startExtraServer } from '../cluster/sandbox.js';
import { KubeClient } from '../../storage/client.js';
import { createLogger } from '../../storage/logger.js';
import { CaBundleInjector } from '../../storage/serving-certs/ca-bundle-injector.js';
import { SecretCertificateSource, serviceDnsNames } from '../../storage/serving-certs/secret-source.js';
import { createCertificateAuthority, createServingCertificate } from '../../storage/serving-certs/x509.js';
import { eventually, pki, sandboxState } from '../support/sandbox-access.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const quiet = createLogger(() => undefined, 0);
const admin = () => KubeClient.fromKubeconfig(sandboxPaths().adminKubeconfig);
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

async function jsonOf<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk([...args, '-o', 'json'])) as T;
}

interface SecretJson { type: string; data: Record<string, string> }
const pem = (secret: SecretJson, key: string) => Buffer.from(secret.data[key] ?? '', 'base64').toString('utf8');

/** The certificate our server presents on its port for the Service name the aggregator dials. */
function presentedCertificate(port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: SERVER_DNS_NAME, ca }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.on('error', reject);
  });
}

describe('serving certificates made by the server', () => {
  const names: string[] = [];
  let client: KubeClient;
  beforeAll(async () => { client = await admin(); });
  const secretName = (suffix: string) => {
    const name = `cert-test-${suffix}-${Date.now().toString(36)}`;
    names.push(name);
    return name;
  };
  const source = (name: string, dnsNames = serviceDnsNames('kiosk-apiservice', SERVER_NAMESPACE), now?: () => Date) =>
    new SecretCertificateSource(client, { namespace: SERVER_NAMESPACE, secretName: name, dnsNames, ...(now ? { now } : {}) }, quiet);

  afterAll(async () => {
    for (const name of names) await kubectlOk(['delete', 'secret', name, '-n', SERVER_NAMESPACE, '--ignore-not-found']);
    await kubectlOk(['delete', 'apiservice', 'v1alpha1.cert-test.kiosk.sh', '--ignore-not-found']);
    await kubectlOk(['delete', 'validatingwebhookconfiguration', 'cert-test', '--ignore-not-found']);
    client.close();
  });

  it('keeps them in kiosk-serving-cert, injects the CA, and serves a certificate naming the Service', async () => {
    const secret = await jsonOf<SecretJson>(['get', 'secret', 'kiosk-serving-cert', '-n', SERVER_NAMESPACE]);
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    const apiService = await jsonOf<{ spec: { caBundle: string } }>(['get', 'apiservice', APISERVICE_NAME]);
    expect(apiService.spec.caBundle).toBe(secret.data['ca.crt']);
    for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
      const webhooks = await jsonOf<{ webhooks: Array<{ name: string; clientConfig: { caBundle: string } }> }>(['get', kind, 'kiosk']);
      expect(webhooks.webhooks.length).toBeGreaterThan(0);
      for (const w of webhooks.webhooks) expect({ kind, name: w.name, caBundle: w.clientConfig.caBundle }).toEqual({ kind, name: w.name, caBundle: secret.data['ca.crt'] });
    }

    const served = await presentedCertificate(sandboxState().ports.server, pem(secret, 'ca.crt'));
    expect(served.fingerprint256).toBe(new X509Certificate(pem(secret, 'tls.crt')).fingerprint256);
    expect(served.subjectAltName).toContain(`DNS:${SERVER_DNS_NAME}`);
    expect(served.checkIssued(new X509Certificate(pem(secret, 'ca.crt')))).toBe(true);
    // The sandbox's copy, which the direct-request tests trust, is the same bundle.
    expect(readFileSync(pki().extensionCaCert, 'utf8')).toBe(pem(secret, 'ca.crt'));
  });

  it('a second replica serves the same certificate from the Secret and puts back a wiped caBundle', async () => {
    const before = await jsonOf<SecretJson>(['get', 'secret', 'kiosk-serving-cert', '-n', SERVER_NAMESPACE]);
    await kubectlOk(['patch', 'validatingwebhookconfiguration', 'kiosk', '--type=json', '-p',
      JSON.stringify([{ op: 'remove', path: '/webhooks/0/clientConfig/caBundle' }])]);
    const extra = await startExtraServer(sandboxState());
    try {
      const served = await presentedCertificate(extra.port, pem(before, 'ca.crt'));
      expect(served.fingerprint256).toBe(new X509Certificate(pem(before, 'tls.crt')).fingerprint256);
      expect(await eventually(async () => {
        const w = await jsonOf<{ webhooks: Array<{ clientConfig: { caBundle?: string } }> }>(['get', 'validatingwebhookconfiguration', 'kiosk']);
        return w.webhooks[0]!.clientConfig.caBundle === before.data['ca.crt'];
      }, 15_000, 250)).toBe(true);
    } finally {
      await extra.stop();
    }
    const after = await jsonOf<SecretJson>(['get', 'secret', 'kiosk-serving-cert', '-n', SERVER_NAMESPACE]);
    expect(after.data).toEqual(before.data);
  });

  it('replicas racing to create the Secret end up with one certificate', async () => {
    const name = secretName('race');
    const loaded = await Promise.all(Array.from({ length: 4 }, () => source(name).load()));
    const stored = await jsonOf<SecretJson>(['get', 'secret', name, '-n', SERVER_NAMESPACE]);
    for (const cert of loaded) expect(cert.certPem).toBe(pem(stored, 'tls.crt'));
    expect(loaded[0]!.caBundlePem).toBe(pem(stored, 'ca.crt'));
  });

  it('reissues a serving certificate near its end with the same CA, and keeps one that is fine', async () => {
    const name = secretName('renew');
    const first = await source(name).load();
    expect((await source(name).load()).certPem).toBe(first.certPem);
    // 300 days later the one-year certificate has 65 days left: inside the 90-day renewal window.
    const later = new Date(Date.now() + 300 * DAY_MS);
    const renewed = await source(name, undefined, () => later).load();
    expect(renewed.certPem).not.toBe(first.certPem);
    expect(renewed.caBundlePem).toBe(first.caBundlePem);
    const cert = new X509Certificate(renewed.certPem);
    expect(Date.parse(cert.validTo)).toBeGreaterThan(later.getTime() + 300 * DAY_MS);
    expect(cert.verify(new X509Certificate(first.caBundlePem!).publicKey)).toBe(true);
  });

  it('replaces a CA in its last year and keeps the old one in the bundle while it is valid', async () => {
    const name = secretName('newca');
    const notBefore = new Date(Date.now() - 3400 * DAY_MS);
    const oldCa = createCertificateAuthority({ commonName: 'old-ca', notBefore, validityDays: 3650 });
    const serving = createServingCertificate(oldCa, { commonName: 'x', dnsNames: serviceDnsNames('kiosk-apiservice', SERVER_NAMESPACE), notBefore: new Date(), validityDays: 365 });
    await kubectlOk(['apply', '-f', '-'], { stdin: JSON.stringify({
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace: SERVER_NAMESPACE },
      data: { 'tls.crt': b64(serving.certPem), 'tls.key': b64(serving.keyPem), 'ca.crt': b64(oldCa.certPem), 'ca.key': b64(oldCa.keyPem) },
    }) });
    const loaded = await source(name).load();
    const bundle = loaded.caBundlePem!.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(bundle).toHaveLength(2);
    expect(new X509Certificate(bundle[0]).subject).toMatch(/^CN=kiosk-ca@/);
    expect(new X509Certificate(bundle[1]!).subject).toBe('CN=old-ca');
    expect(new X509Certificate(loaded.certPem).checkIssued(new X509Certificate(bundle[0]))).toBe(true);
  });

  it('reissues when the Service name changes, and never overwrites a Secret of another type', async () => {
    const name = secretName('names');
    const first = await source(name).load();
    const renamed = await source(name, serviceDnsNames('kiosk-renamed', SERVER_NAMESPACE)).load();
    expect(renamed.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(renamed.certPem).subjectAltName).toContain(`DNS:kiosk-renamed.${SERVER_NAMESPACE}.svc`);

    const opaque = secretName('opaque');
    await kubectlOk(['create', 'secret', 'generic', opaque, '-n', SERVER_NAMESPACE, '--from-literal=password=hunter2']);
    await expect(source(opaque).load()).rejects.toThrow(`secret ${SERVER_NAMESPACE}/${opaque} has type Opaque, not kubernetes.io/tls: not replacing it`);
    expect(pem(await jsonOf<SecretJson>(['get', 'secret', opaque, '-n', SERVER_NAMESPACE]), 'password')).toBe('hunter2');
  });

  it('injects into every webhook of a configuration and writes nothing when all agree', async () => {
    await kubectlOk(['apply', '-f', '-'], { stdin: JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'cert-test' },
      webhooks: ['a.cert-test.kiosk.sh', 'b.cert-test.kiosk.sh'].map((hook) => ({
        name: hook, admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore',
        clientConfig: { service: { name: 'nowhere', namespace: SERVER_NAMESPACE, path: '/x' } },
        // Matches nothing that exists, so the webhook is never called.
        rules: [{ operations: ['CREATE'], apiGroups: ['cert-test.kiosk.sh'], apiVersions: ['v1'], resources: ['nothing'] }],
      })),
    }) });
    await kubectlOk(['apply', '-f', '-'], { stdin: JSON.stringify({
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1alpha1.cert-test.kiosk.sh' },
      spec: { group: 'cert-test.kiosk.sh', version: 'v1alpha1', groupPriorityMinimum: 100, versionPriority: 100, service: { name: 'nowhere', namespace: SERVER_NAMESPACE } },
    }) });
    try {
      const injector = new CaBundleInjector(client, { apiServices: ['v1alpha1.cert-test.kiosk.sh'], validatingWebhookConfigurations: ['cert-test'] });
      const bundle = createCertificateAuthority({ commonName: 'inject-test', notBefore: new Date(), validityDays: 1 }).certPem;
      expect(await injector.inject(bundle)).toEqual(['apiservice/v1alpha1.cert-test.kiosk.sh', 'validatingwebhookconfiguration/cert-test']);
      expect(await injector.inject(bundle)).toEqual([]);
      const webhooks = await jsonOf<{ webhooks: Array<{ clientConfig: { caBundle: string } }> }>(['get', 'validatingwebhookconfiguration', 'cert-test']);
      expect(webhooks.webhooks.map((w) => w.clientConfig.caBundle)).toEqual([b64(bundle), b64(bundle)]);
      expect((await jsonOf<{ spec: { caBundle: string } }>(['get', 'apiservice', 'v1alpha1.cert-test.kiosk.sh'])).spec.caBundle).toBe(b64(bundle));
    } finally {
      // An unavailable APIService makes discovery noisy for the suites after this one.
      await kubectlOk(['delete', 'apiservice', 'v1alpha1.cert-test.kiosk.sh', '--ignore-not-found']);
    }
  });
});
