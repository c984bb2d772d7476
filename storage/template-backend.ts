import type { KubeClient } from './client.js';
import { KubeApiError } from './kube-api-error.js';
import { FIELD_MANAGER } from './object-writer.js';
import type { HelmRunner } from './helm-runner.js';
import type { ResourceMapping, RestMapper } from './rest-mapper.js';

/** How long the cluster's version is taken as known. */
const KUBE_VERSION_TTL_MS = 10 * 60_000;

interface Ref {
  namespace?: string;
  name: string;
}

const objectPath = (m: ResourceMapping, ref: Ref) =>
  `${m.prefix}${m.namespaced && ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : ''}/${m.resource}/${encodeURIComponent(ref.name)}`;

/** The TemplateInstance controller's writes over kube-apiserver (structurally the registry's TemplateBackend). */
export class KubeTemplateBackend {
  private version: { value: Promise<string | undefined>; at: number } | undefined;

  constructor(private readonly client: KubeClient, private readonly mapper: RestMapper, private readonly helm: HelmRunner) {}

  /**
   * `helm template` knows no cluster, so it renders `.Capabilities.KubeVersion` and checks a chart's
   * `kubeVersion` against the version it was built for (v1.20 unless built with the Makefile's flags): it is
   * told the cluster's own version instead.
   */
  async helmTemplate(args: string[], values: string | undefined): Promise<string> {
    const version = await this.clusterVersion();
    return this.helm.template(version ? [...args, '--kube-version', version] : args, values);
  }

  /** kube-apiserver's gitVersion, asked again after KUBE_VERSION_TTL_MS (an upgrade changes it); undefined if it cannot be read. */
  private clusterVersion(): Promise<string | undefined> {
    const now = Date.now();
    if (!this.version || now - this.version.at > KUBE_VERSION_TTL_MS) {
      const value = this.client.request<{ gitVersion?: string }>('GET', '/version').then((v) => v.gitVersion, () => {
        this.version = undefined;
        return undefined;
      });
      this.version = { value, at: now };
    }
    return this.version.value;
  }

  /** One key of a Secret, decoded; undefined when the Secret or the key is missing. */
  async secretValue(ref: { namespace: string; name: string; key: string }): Promise<string | undefined> {
    try {
      const secret = await this.client.request<{ data?: Record<string, string> }>('GET',
        `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets/${encodeURIComponent(ref.name)}`);
      const value = secret.data?.[ref.key];
      return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  mapping(apiVersion: string, kind: string): Promise<ResourceMapping | undefined> {
    return this.mapper.mapping(apiVersion, kind);
  }

  async apply(m: ResourceMapping, obj: { metadata: { name: string; namespace?: string } }): Promise<void> {
    await this.client.request('PATCH', objectPath(m, obj.metadata), {
      body: obj, contentType: 'application/apply-patch+yaml', query: { fieldManager: FIELD_MANAGER, force: 'true' },
    });
  }

  async remove(m: ResourceMapping, ref: Ref): Promise<void> {
    try {
      const live = await this.client.request<{ metadata?: { annotations?: Record<string, string> } }>('GET', objectPath(m, ref));
      if (live.metadata?.annotations?.['helm.sh/resource-policy'] === 'keep') return;
      await this.client.request('DELETE', objectPath(m, ref), { body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' } });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
    }
  }

  async patchInstanceStatus(namespace: string, name: string, status: unknown): Promise<void> {
    await this.client.request('PATCH', `/apis/config.kiosk.sh/v1alpha1/namespaces/${encodeURIComponent(namespace)}/templateinstances/${encodeURIComponent(name)}/status`, {
      body: [{ op: 'add', path: '/status', value: status }], contentType: 'application/json-patch+json', query: { fieldManager: FIELD_MANAGER },
    });
  }
}
