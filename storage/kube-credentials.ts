// How this server reaches kube-apiserver as itself: the server's URL, and per request the TLS material and the
// Authorization header. Importing @kubernetes/client-node loads its whole generated API (about 34 MiB of RSS
// and half a second of start-up on Node 24) for what is, in the two configurations the server runs with (the
// pod's ServiceAccount, or a plain kubeconfig), a few files. Those two are read here; any other kubeconfig is
// read by client-node's KubeConfig, imported only then, exactly as before. The choice is made once, at load.
import { isIPv6 } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { DirectCredentials } from './direct-credentials.js';
import type { DirectConfig, RequestTarget } from './direct-credentials.js';
import { readKubeconfig } from './kubeconfig-file.js';

export type { RequestTarget } from './direct-credentials.js';

/** What KubeClient needs from a configuration. */
export interface KubeCredentials {
  /** kube-apiserver's URL (https://host:port). */
  readonly server: string;
  /** Sets ca, cert, key, servername, rejectUnauthorized and the Authorization header for one request. */
  applyTo(opts: RequestTarget): Promise<void>;
}

/** What the in-cluster configuration reads from the pod; injectable for tests. */
export interface InClusterSources {
  /** KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT. */
  env: Readonly<Record<string, string | undefined>>;
  /** Prefixed to /var/run/secrets/kubernetes.io/serviceaccount (client-node's pathPrefix); '' in a pod. */
  root?: string;
  /** The clock that decides when a token or certificate file is read again. */
  now?: () => number;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The credentials in the kubeconfig at `path`, or the pod's ServiceAccount when there is none. Throws a clear
 * Error when the configuration cannot work at all (no such file, no current context or cluster, not in a pod).
 */
export async function loadKubeCredentials(path: string | undefined, sources: InClusterSources): Promise<KubeCredentials> {
  if (!path) return new DirectCredentials(inClusterConfig(sources.env, sources.root ?? ''), sources.now);
  const reading = readKubeconfig(path);
  if ('direct' in reading) return new DirectCredentials(reading.direct, sources.now);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  config.loadFromFile(path);
  if (!config.getCurrentCluster()) throw new Error(`kubeconfig ${path} has no current context with a cluster`);
  return kubeConfigCredentials(config);
}

/**
 * client-node's loadFromCluster, without client-node: the same server URL, CA file and token file (re-read at
 * most once a minute, as its token reader does, since kubelet rotates it). Where client-node would build a
 * configuration that cannot work, this fails at load: with client-go's error when the service variables are
 * unset (client-node would dial https://undefined:undefined), with client-node's own when the port means http.
 */
function inClusterConfig(env: InClusterSources['env'], root: string): DirectConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  if (port === '80' || port === '8080' || port === '8001') throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  return {
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    ca: { file: `${root}${SERVICE_ACCOUNT_DIR}/ca.crt` },
    token: { file: `${root}${SERVICE_ACCOUNT_DIR}/token` },
    insecureSkipTLSVerify: false,
  };
}

/** client-node's KubeConfig as KubeCredentials: for the kubeconfigs this server does not read itself, and tests. */
export function kubeConfigCredentials(config: KubeConfig): KubeCredentials {
  return {
    get server(): string {
      const cluster = config.getCurrentCluster();
      if (!cluster) throw new Error('the kubeconfig has no current cluster');
      return cluster.server;
    },
    applyTo: (opts) => config.applyToHTTPSOptions(opts),
  };
}
