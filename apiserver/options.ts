/** The server's command-line options, typed, with defaults and validation in one place. */
export interface ServerOptions {
  securePort: number;
  bindAddress: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  /** Kubeconfig for talking to kube-apiserver; empty means the in-cluster ServiceAccount. */
  kubeconfig: string;
  /** Log verbosity, as klog's -v. */
  verbosity: number;
  /** How long SIGTERM waits for requests in flight before the process exits. */
  shutdownGracePeriodSeconds: number;
  /** The namespace the server runs in: its Leases (space-limit reservations, leader election) live there. */
  namespace: string;
  /** The helm binary Templates with `resources.helm` are rendered with (`helm template` only). */
  helmBinary: string;
  /**
   * The Secret (in --namespace) holding the server's own CA and serving certificate, generated when missing
   * or about to expire; the alternative to --tls-cert-file/--tls-private-key-file.
   */
  certSecret: string;
  /** The Service the aggregator and kube-apiserver's webhooks dial: the serving certificate names it. */
  serviceName: string;
  /** APIServices whose spec.caBundle the server keeps equal to its CA (with --cert-secret). */
  caBundleApiServices: string[];
  /** ValidatingWebhookConfigurations whose webhooks' clientConfig.caBundle the server keeps equal to its CA. */
  caBundleWebhookConfigurations: string[];
  /** MutatingWebhookConfigurations whose webhooks' clientConfig.caBundle the server keeps equal to its CA. */
  caBundleMutatingWebhookConfigurations: string[];
  /**
   * Watches one user may hold open at once; more are answered 429 with Retry-After. kube-apiserver's
   * priority and fairness does not bound long-running requests it proxies to us, and each open watch
   * holds a connection and its buffers here. 0 means no limit.
   */
  maxWatchesPerUser: number;
  /** Watches all users together may hold open at once (the server's share of memory for them). 0: no limit. */
  maxWatches: number;
  /**
   * PEM CA bundle that issues kube-apiserver's admission client certificate (its --admission-control-config-file
   * kubeconfig). When set, /admission/* answers only callers presenting a certificate from this CA; others get 401
   * before their body is read. Empty: the webhooks answer anyone who reaches the port (fence it with the NetworkPolicy).
   */
  admissionClientCaFile: string;
  /** CNs accepted from the admission client CA; empty accepts any certificate that CA issued. */
  admissionAllowedNames: string[];
  /**
   * A NetworkPolicy in --namespace whose ingress the server (the leader) keeps equal to kube-apiserver's
   * addresses from the default/kubernetes EndpointSlices. Empty: no such controller.
   */
  selfFencingNetworkPolicy: string;
  /**
   * Label and annotation prefixes reserved on Spaces in addition to pod-security.kubernetes.io/ and kiosk.sh/
   * (which always are): tenants may not set or change keys under them (registry/space/reserved-metadata.ts).
   */
  reservedPrefixes: string[];
}

export const defaultOptions: ServerOptions = {
  securePort: 8443,
  bindAddress: '0.0.0.0',
  tlsCertFile: '',
  tlsPrivateKeyFile: '',
  kubeconfig: '',
  verbosity: 0,
  shutdownGracePeriodSeconds: 30,
  namespace: 'kiosk-system',
  helmBinary: 'helm',
  certSecret: '',
  serviceName: 'kiosk-apiservice',
  caBundleApiServices: [],
  caBundleWebhookConfigurations: [],
  caBundleMutatingWebhookConfigurations: [],
  maxWatchesPerUser: 100,
  maxWatches: 2000,
  admissionClientCaFile: '',
  admissionAllowedNames: [],
  selfFencingNetworkPolicy: '',
  reservedPrefixes: [],
};

/** The options whose values are of type V: a flag of that type may set only those. */
type OptionOf<V> = { [K in keyof ServerOptions]: ServerOptions[K] extends V ? K : never }[keyof ServerOptions];

type Flag = { type: 'number'; key: OptionOf<number> } | { type: 'string'; key: OptionOf<string> } | { type: 'list'; key: OptionOf<string[]> };

const FLAGS: Record<string, Flag> = {
  'secure-port': { key: 'securePort', type: 'number' },
  'bind-address': { key: 'bindAddress', type: 'string' },
  'tls-cert-file': { key: 'tlsCertFile', type: 'string' },
  'tls-private-key-file': { key: 'tlsPrivateKeyFile', type: 'string' },
  kubeconfig: { key: 'kubeconfig', type: 'string' },
  v: { key: 'verbosity', type: 'number' },
  'shutdown-grace-period-seconds': { key: 'shutdownGracePeriodSeconds', type: 'number' },
  namespace: { key: 'namespace', type: 'string' },
  'helm-binary': { key: 'helmBinary', type: 'string' },
  'cert-secret': { key: 'certSecret', type: 'string' },
  'service-name': { key: 'serviceName', type: 'string' },
  'ca-bundle-apiservices': { key: 'caBundleApiServices', type: 'list' },
  'ca-bundle-validating-webhook-configurations': { key: 'caBundleWebhookConfigurations', type: 'list' },
  'ca-bundle-mutating-webhook-configurations': { key: 'caBundleMutatingWebhookConfigurations', type: 'list' },
  'max-watches-per-user': { key: 'maxWatchesPerUser', type: 'number' },
  'max-watches': { key: 'maxWatches', type: 'number' },
  'admission-client-ca-file': { key: 'admissionClientCaFile', type: 'string' },
  'admission-allowed-names': { key: 'admissionAllowedNames', type: 'list' },
  'self-fencing-network-policy': { key: 'selfFencingNetworkPolicy', type: 'string' },
  'reserved-prefixes': { key: 'reservedPrefixes', type: 'list' },
};

/** Parses `--flag=value` and `--flag value`; unknown flags are errors, as with Kubernetes components. */
export function parseFlags(argv: string[], base: ServerOptions = defaultOptions): ServerOptions {
  const options: ServerOptions = { ...base };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[1];
    if (!m || name === undefined) throw new Error(`unexpected argument "${arg}"`);
    const flag = FLAGS[name];
    if (!flag) throw new Error(`unknown flag: --${name}`);
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) throw new Error(`flag needs an argument: --${name}`);
    if (flag.type === 'number') {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new Error(`invalid argument "${raw}" for "--${name}" flag: not an integer`);
      options[flag.key] = n;
    } else if (flag.type === 'list') {
      // Comma-separated, as Kubernetes' string-slice flags; empty items are dropped.
      options[flag.key] = raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
    } else {
      options[flag.key] = raw;
    }
  }
  return options;
}

export function validate(options: ServerOptions): string[] {
  const errors: string[] = [];
  if (options.securePort < 1 || options.securePort > 65535) errors.push(`--secure-port ${String(options.securePort)} must be between 1 and 65535`);
  const files = options.tlsCertFile !== '' || options.tlsPrivateKeyFile !== '';
  if (files && options.certSecret) errors.push('--cert-secret and --tls-cert-file/--tls-private-key-file are exclusive');
  else if (files && (!options.tlsCertFile || !options.tlsPrivateKeyFile)) errors.push('--tls-cert-file and --tls-private-key-file go together');
  else if (!files && !options.certSecret) errors.push('a serving certificate is required: --cert-secret, or --tls-cert-file and --tls-private-key-file');
  if (!options.certSecret && (options.caBundleApiServices.length > 0 || options.caBundleWebhookConfigurations.length > 0
    || options.caBundleMutatingWebhookConfigurations.length > 0)) {
    errors.push('--ca-bundle-apiservices, --ca-bundle-validating-webhook-configurations and --ca-bundle-mutating-webhook-configurations '
      + 'need --cert-secret (the server injects only its own CA)');
  }
  if (options.shutdownGracePeriodSeconds < 0) errors.push('--shutdown-grace-period-seconds must not be negative');
  if (options.maxWatchesPerUser < 0) errors.push('--max-watches-per-user must not be negative (0 means no limit)');
  if (options.maxWatches < 0) errors.push('--max-watches must not be negative (0 means no limit)');
  if (!options.admissionClientCaFile && options.admissionAllowedNames.length > 0) errors.push('--admission-allowed-names needs --admission-client-ca-file');
  return errors;
}
