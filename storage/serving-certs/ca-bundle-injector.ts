import type { KubeClient } from '../client.js';
import { KubeApiError } from '../kube-api-error.js';

/** Rounds of read-and-patch when the webhook configuration changes between the two. */
const MAX_ATTEMPTS = 3;

interface ApiService {
  metadata: { resourceVersion?: string };
  spec?: { caBundle?: string };
}

interface WebhookConfiguration {
  metadata: { resourceVersion?: string };
  webhooks?: Array<{ clientConfig?: { caBundle?: string } }>;
}

export interface InjectionTargets {
  apiServices: string[];
  validatingWebhookConfigurations: string[];
  /** MutatingWebhookConfigurations; absent: none. */
  mutatingWebhookConfigurations?: string[];
}

/** The two kinds of webhook configuration, by their resource name; their webhooks carry caBundle alike. */
type WebhookKind = 'validatingwebhookconfigurations' | 'mutatingwebhookconfigurations';

/**
 * Keeps spec.caBundle of our APIService(s) and clientConfig.caBundle of every webhook in our webhook
 * configuration(s) equal to the server's CA bundle, as Kiosk filled its webhook in at runtime: the
 * manifests then carry no certificate, and a re-applied manifest or a renewed CA heals within a check.
 * Writes only when something differs, so replicas agreeing on the bundle never write.
 */
export class CaBundleInjector {
  constructor(private readonly client: KubeClient, private readonly targets: InjectionTargets) {}

  get empty(): boolean {
    return this.targets.apiServices.length === 0 && this.targets.validatingWebhookConfigurations.length === 0
      && (this.targets.mutatingWebhookConfigurations ?? []).length === 0;
  }

  /** Injects the bundle everywhere; returns the objects it changed. Throws on the first failure (NotFound included). */
  async inject(bundlePem: string): Promise<string[]> {
    const caBundle = Buffer.from(bundlePem, 'utf8').toString('base64');
    const changed: string[] = [];
    for (const name of this.targets.apiServices) {
      const path = `/apis/apiregistration.k8s.io/v1/apiservices/${encodeURIComponent(name)}`;
      const current = await this.client.request<ApiService>('GET', path);
      if (current.spec?.caBundle === caBundle) continue;
      // One field, set whole: no resourceVersion guard, so the aggregator's status writes never conflict.
      await this.client.request('PATCH', path, { body: { spec: { caBundle } }, contentType: 'application/merge-patch+json' });
      changed.push(`apiservice/${name}`);
    }
    for (const name of this.targets.validatingWebhookConfigurations) {
      if (await this.injectWebhooks('validatingwebhookconfigurations', name, caBundle)) changed.push(`validatingwebhookconfiguration/${name}`);
    }
    for (const name of this.targets.mutatingWebhookConfigurations ?? []) {
      if (await this.injectWebhooks('mutatingwebhookconfigurations', name, caBundle)) changed.push(`mutatingwebhookconfiguration/${name}`);
    }
    return changed;
  }

  /**
   * The webhooks list is atomic for merge patches; a JSON patch per index, guarded by the resourceVersion,
   * changes only the bundles and fails (409) if the list changed under us: then read it again.
   */
  private async injectWebhooks(kind: WebhookKind, name: string, caBundle: string): Promise<boolean> {
    const path = `/apis/admissionregistration.k8s.io/v1/${kind}/${encodeURIComponent(name)}`;
    for (let attempt = 1; ; attempt++) {
      const current = await this.client.request<WebhookConfiguration>('GET', path);
      const stale = (current.webhooks ?? []).flatMap((w, i) => (w.clientConfig?.caBundle === caBundle ? [] : [i]));
      if (stale.length === 0) return false;
      try {
        await this.client.request('PATCH', path, {
          body: [
            { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
            ...stale.map((i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle })),
          ],
          contentType: 'application/json-patch+json',
        });
        return true;
      } catch (err) {
        // kube-apiserver answers a failed JSON-patch test with 422, a stale resourceVersion with 409.
        const conflict = err instanceof KubeApiError && (err.statusCode === 409 || err.statusCode === 422);
        if (!conflict || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }
}
