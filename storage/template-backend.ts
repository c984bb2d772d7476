import type { KubeClient } from './client.js';
import { KubeApiError } from './kube-api-error.js';
import { FIELD_MANAGER } from './object-writer.js';
import type { HelmRunner } from './helm-runner.js';
import type { ResourceMapping, RestMapper } from './rest-mapper.js';

interface Ref {
  namespace?: string;
  name: string;
}

const objectPath = (m: ResourceMapping, ref: Ref) =>
  `${m.prefix}${m.namespaced && ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : ''}/${m.resource}/${encodeURIComponent(ref.name)}`;

/** The TemplateInstance controller's writes over kube-apiserver (structurally the registry's TemplateBackend). */
export class KubeTemplateBackend {
  constructor(private readonly client: KubeClient, private readonly mapper: RestMapper, private readonly helm: HelmRunner) {}

  helmTemplate(args: string[], values: string | undefined): Promise<string> {
    return this.helm.template(args, values);
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
