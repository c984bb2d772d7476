import type { KubeClient } from '../client.js';
import { KubeApiError } from '../kube-api-error.js';
import type { Logger } from '../logger.js';
import type { CertificateSource, ServingCertificate } from './certificate-source.js';
import type { StoredCertificates } from './renewal-plan.js';
import { CA_VALIDITY_DAYS, SERVING_VALIDITY_DAYS, planRenewal, validCertificates } from './renewal-plan.js';
import { createCertificateAuthority, createServingCertificate } from './x509.js';

/** Replicas racing to create or renew the Secret resolve it with optimistic concurrency; a few rounds settle it. */
const MAX_ATTEMPTS = 5;
/** Certificates start an hour in the past, so a node whose clock is a little behind still accepts them. */
const CLOCK_SKEW_MS = 60 * 60_000;

interface Secret {
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

export interface SecretCertificateOptions {
  namespace: string;
  secretName: string;
  /** The names clients dial the server by; the first is the certificate's common name. */
  dnsNames: string[];
  now?: () => Date;
}

/** `<service>`, `<service>.<namespace>`, `<service>.<namespace>.svc` and the cluster-domain form, as Service DNS resolves. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, `${service}.${namespace}`, service];
}

function decode(secret: Secret | undefined): StoredCertificates | undefined {
  if (!secret?.data) return undefined;
  const text = (key: keyof StoredCertificates) => {
    const value = secret.data?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  return { 'tls.crt': text('tls.crt'), 'tls.key': text('tls.key'), 'ca.crt': text('ca.crt'), 'ca.key': text('ca.key') };
}

function encode(stored: Required<StoredCertificates>): Record<string, string> {
  return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

/** What planRenewal kept: it keeps only a complete set, so every field is there. */
function served(stored: StoredCertificates | undefined): ServingCertificate {
  return { certPem: stored?.['tls.crt'] ?? '', keyPem: stored?.['tls.key'] ?? '', caBundlePem: stored?.['ca.crt'] ?? '' };
}

/**
 * The server's own CA and serving certificate, kept in a kubernetes.io/tls Secret (plus `ca.key`) so every
 * replica serves the same certificate and a restart keeps it: created by whichever replica starts first,
 * reissued before it expires, replaced when it is unreadable or does not name the Service. A new CA is
 * bundled with the previous one while that is still valid, so clients holding either keep trusting us.
 */
export class SecretCertificateSource implements CertificateSource {
  private readonly now: () => Date;

  constructor(private readonly client: KubeClient, private readonly options: SecretCertificateOptions, private readonly log: Logger) {
    this.now = options.now ?? (() => new Date());
  }

  private get path(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/secrets/${encodeURIComponent(this.options.secretName)}`;
  }

  private async read(): Promise<Secret | undefined> {
    try {
      return await this.client.request<Secret>('GET', this.path);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  private issue(stored: StoredCertificates | undefined, newCa: boolean): Required<StoredCertificates> {
    const now = this.now();
    const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
    let ca = { certPem: stored?.['ca.crt'] ?? '', keyPem: stored?.['ca.key'] ?? '' };
    let bundle = ca.certPem;
    if (newCa) {
      ca = createCertificateAuthority({ commonName: `kiosk-ca@${Math.floor(now.getTime() / 1000)}`, notBefore, validityDays: CA_VALIDITY_DAYS });
      bundle = [ca.certPem, ...validCertificates(stored?.['ca.crt'], now).slice(0, 2)].join('');
    }
    const serving = createServingCertificate(ca, {
      commonName: this.options.dnsNames[0] ?? '', dnsNames: this.options.dnsNames, notBefore, validityDays: SERVING_VALIDITY_DAYS,
    });
    return { 'tls.crt': serving.certPem, 'tls.key': serving.keyPem, 'ca.crt': bundle, 'ca.key': ca.keyPem };
  }

  private async write(existing: Secret | undefined, stored: Required<StoredCertificates>): Promise<void> {
    const { namespace, secretName } = this.options;
    const body: Secret & { apiVersion: string; kind: string } = {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
      metadata: { ...(existing?.metadata ?? {}), name: secretName, namespace, labels: { ...existing?.metadata.labels, 'app.kubernetes.io/name': 'kiosk' } },
      data: encode(stored),
    };
    if (existing) await this.client.request('PUT', this.path, { body });
    else await this.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, { body });
  }

  async load(): Promise<ServingCertificate> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const secret = await this.read();
      const stored = decode(secret);
      const plan = planRenewal(stored, this.options.dnsNames, this.now());
      if (plan.action === 'keep') return served(stored);
      if (secret && secret.type !== undefined && secret.type !== 'kubernetes.io/tls') {
        // Never overwrite a Secret someone else made under this name: the admin must choose another name.
        throw new Error(`secret ${this.options.namespace}/${this.options.secretName} has type ${secret.type}, not kubernetes.io/tls: not replacing it`);
      }
      const next = this.issue(stored, plan.action === 'new-ca');
      try {
        await this.write(secret, next);
      } catch (err) {
        // Another replica created or renewed it first (409): read theirs and judge again.
        if (err instanceof KubeApiError && err.statusCode === 409) continue;
        throw err;
      }
      this.log.info('issued the serving certificate', { secret: `${this.options.namespace}/${this.options.secretName}`, reason: plan.reason, newCa: plan.action === 'new-ca' });
      return served(next);
    }
    throw new Error(`secret ${this.options.namespace}/${this.options.secretName}: still conflicting after ${MAX_ATTEMPTS} attempts`);
  }
}
