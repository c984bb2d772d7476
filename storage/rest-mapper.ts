import type { KubeClient } from './client.js';

export interface ResourceMapping {
  /** `/api/v1` or `/apis/<group>/<version>`. */
  prefix: string;
  resource: string;
  namespaced: boolean;
}

interface APIResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean }>;
}

/**
 * apiVersion + kind -> REST path, from discovery (what client-go's RESTMapper does), for applying the
 * objects of templates, whose kinds are not known in advance. A group-version is read once and again
 * only when a kind is missing from it (a CRD installed later).
 */
export class RestMapper {
  private readonly cache = new Map<string, Promise<APIResourceList | undefined>>();

  constructor(private readonly client: KubeClient) {}

  private load(apiVersion: string, refresh: boolean): Promise<APIResourceList | undefined> {
    if (refresh) this.cache.delete(apiVersion);
    let pending = this.cache.get(apiVersion);
    if (!pending) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      pending = this.client.request<APIResourceList>('GET', path).catch(() => undefined);
      this.cache.set(apiVersion, pending);
    }
    return pending;
  }

  /** The mapping of a kind, or undefined when the cluster does not serve it. */
  async mapping(apiVersion: string, kind: string): Promise<ResourceMapping | undefined> {
    for (const refresh of [false, true]) {
      const list = await this.load(apiVersion, refresh);
      const found = list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (found) {
        return { prefix: apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`, resource: found.name, namespaced: found.namespaced };
      }
    }
    return undefined;
  }
}
