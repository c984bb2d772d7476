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
};

const FLAGS: Record<string, { key: keyof ServerOptions; type: 'number' | 'string' }> = {
  'secure-port': { key: 'securePort', type: 'number' },
  'bind-address': { key: 'bindAddress', type: 'string' },
  'tls-cert-file': { key: 'tlsCertFile', type: 'string' },
  'tls-private-key-file': { key: 'tlsPrivateKeyFile', type: 'string' },
  kubeconfig: { key: 'kubeconfig', type: 'string' },
  v: { key: 'verbosity', type: 'number' },
  'shutdown-grace-period-seconds': { key: 'shutdownGracePeriodSeconds', type: 'number' },
  namespace: { key: 'namespace', type: 'string' },
  'helm-binary': { key: 'helmBinary', type: 'string' },
};

/** Parses `--flag=value` and `--flag value`; unknown flags are errors, as with Kubernetes components. */
export function parseFlags(argv: string[], base: ServerOptions = defaultOptions): ServerOptions {
  const options: ServerOptions = { ...base };
  const record = options as unknown as Record<string, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument "${arg}"`);
    const flag = FLAGS[m[1]!];
    if (!flag) throw new Error(`unknown flag: --${m[1]}`);
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) throw new Error(`flag needs an argument: --${m[1]}`);
    if (flag.type === 'number') {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new Error(`invalid argument "${raw}" for "--${m[1]}" flag: not an integer`);
      record[flag.key] = n;
    } else {
      record[flag.key] = raw;
    }
  }
  return options;
}

export function validate(options: ServerOptions): string[] {
  const errors: string[] = [];
  if (options.securePort < 1 || options.securePort > 65535) errors.push(`--secure-port ${options.securePort} must be between 1 and 65535`);
  if (!options.tlsCertFile || !options.tlsPrivateKeyFile) errors.push('--tls-cert-file and --tls-private-key-file are required');
  if (options.shutdownGracePeriodSeconds < 0) errors.push('--shutdown-grace-period-seconds must not be negative');
  return errors;
}
