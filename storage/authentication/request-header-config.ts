import type { KubeClient } from '../client.js';
import { Informer } from '../informers/informer.js';
import type { KubeObject } from '../informers/informer.js';
import type { Logger } from '../logger.js';

/**
 * What kube-apiserver publishes in kube-system/extension-apiserver-authentication: which CA signs the
 * front proxy's client certificate, which CNs it may carry, and which headers carry the user.
 */
export interface RequestHeaderConfig {
  /** PEM bundle of the CA for ordinary x509 client certificates (user = CN, groups = O). */
  clientCA: string;
  /** PEM bundle of the front-proxy CA; empty when kube-apiserver has no front proxy configured. */
  requestHeaderCA: string;
  /** CNs the front-proxy certificate may have; empty means any certificate from the CA. */
  allowedNames: string[];
  usernameHeaders: string[];
  uidHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const AUTHENTICATION_CONFIGMAP_NAMESPACE = 'kube-system';
const AUTHENTICATION_CONFIGMAP_NAME = 'extension-apiserver-authentication';

/** The header keys hold JSON arrays serialized as strings; an empty or missing value means "not set". */
function stringList(value: string | undefined): string[] {
  if (!value) return [];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

export function parseRequestHeaderConfig(data: Record<string, string>): RequestHeaderConfig {
  return {
    clientCA: data['client-ca-file'] ?? '',
    requestHeaderCA: data['requestheader-client-ca-file'] ?? '',
    allowedNames: stringList(data['requestheader-allowed-names']),
    usernameHeaders: stringList(data['requestheader-username-headers']),
    uidHeaders: stringList(data['requestheader-uid-headers']),
    groupHeaders: stringList(data['requestheader-group-headers']),
    extraHeaderPrefixes: stringList(data['requestheader-extra-headers-prefix']),
  };
}

/**
 * Watches the ConfigMap (as genericapiserver does) so that a rotated front-proxy CA or changed allowed
 * names take effect without a restart. Listeners get each new parsed configuration.
 */
export class RequestHeaderConfigSource {
  private readonly informer: Informer<ConfigMap>;
  private config: RequestHeaderConfig | undefined;
  private readonly listeners: Array<(config: RequestHeaderConfig) => void> = [];

  constructor(client: KubeClient, private readonly log: Logger) {
    this.informer = new Informer<ConfigMap>(client, {
      name: 'extension-apiserver-authentication',
      path: `/api/v1/namespaces/${AUTHENTICATION_CONFIGMAP_NAMESPACE}/configmaps`,
      fieldSelector: `metadata.name=${AUTHENTICATION_CONFIGMAP_NAME}`,
    }, log);
    const update = (cm: ConfigMap) => this.update(cm);
    this.informer.addHandlers({ onAdd: update, onUpdate: (_old, cm) => update(cm) });
  }

  private update(cm: ConfigMap): void {
    try {
      this.config = parseRequestHeaderConfig(cm.data ?? {});
      this.log.info('loaded the request-header authentication configuration', {
        allowedNames: this.config.allowedNames, frontProxy: this.config.requestHeaderCA !== '',
      });
      for (const l of this.listeners) l(this.config);
    } catch (err) {
      this.log.error('ignoring an unparsable extension-apiserver-authentication ConfigMap', err);
    }
  }

  onChange(listener: (config: RequestHeaderConfig) => void): void {
    this.listeners.push(listener);
    if (this.config) listener(this.config);
  }

  current(): RequestHeaderConfig | undefined {
    return this.config;
  }

  start(): void {
    this.informer.start();
  }

  /** True once the ConfigMap was read; without it no proxied request can be authenticated. */
  ready(): boolean {
    return this.config !== undefined;
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }
}
