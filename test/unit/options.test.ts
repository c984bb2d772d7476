import { defaultOptions, parseFlags, validate } from '../../apiserver/options.js';

describe('server options', () => {
  it('parses both flag forms', () => {
    const o = parseFlags(['--secure-port=9443', '--tls-cert-file', 'c.crt', '--tls-private-key-file=k.key', '-v=4']);
    expect(o).toMatchObject({ securePort: 9443, tlsCertFile: 'c.crt', tlsPrivateKeyFile: 'k.key', verbosity: 4 });
    expect(validate(o)).toEqual([]);
  });

  it('rejects unknown flags and bad numbers with the flag named', () => {
    expect(() => parseFlags(['--nope=1'])).toThrow('unknown flag: --nope');
    expect(() => parseFlags(['--secure-port=abc'])).toThrow('invalid argument "abc" for "--secure-port" flag');
    expect(() => parseFlags(['--kubeconfig'])).toThrow('flag needs an argument: --kubeconfig');
  });

  it('requires a serving certificate: files or a Secret, not both', () => {
    expect(validate(defaultOptions)).toEqual(['a serving certificate is required: --cert-secret, or --tls-cert-file and --tls-private-key-file']);
    expect(validate(parseFlags(['--tls-cert-file=c.crt']))).toEqual(['--tls-cert-file and --tls-private-key-file go together']);
    expect(validate(parseFlags(['--cert-secret=s', '--tls-cert-file=c', '--tls-private-key-file=k'])))
      .toEqual(['--cert-secret and --tls-cert-file/--tls-private-key-file are exclusive']);
    expect(validate(parseFlags(['--cert-secret=kiosk-serving-cert']))).toEqual([]);
  });

  it('reads comma-separated lists, and injects CA bundles only for its own CA', () => {
    const o = parseFlags(['--cert-secret=s', '--ca-bundle-apiservices=v1alpha1.tenancy.kiosk.sh', '--ca-bundle-validating-webhook-configurations', 'kiosk, other,',
      '--ca-bundle-mutating-webhook-configurations=kiosk']);
    expect(o.caBundleApiServices).toEqual(['v1alpha1.tenancy.kiosk.sh']);
    expect(o.caBundleWebhookConfigurations).toEqual(['kiosk', 'other']);
    expect(o.caBundleMutatingWebhookConfigurations).toEqual(['kiosk']);
    expect(validate(o)).toEqual([]);
    const needsSecret = '--ca-bundle-apiservices, --ca-bundle-validating-webhook-configurations and --ca-bundle-mutating-webhook-configurations '
      + 'need --cert-secret (the server injects only its own CA)';
    expect(validate(parseFlags(['--tls-cert-file=c', '--tls-private-key-file=k', '--ca-bundle-apiservices=a']))).toEqual([needsSecret]);
    expect(validate(parseFlags(['--tls-cert-file=c', '--tls-private-key-file=k', '--ca-bundle-mutating-webhook-configurations=kiosk']))).toEqual([needsSecret]);
  });

  it('bounds open watches per user and in total by default; 0 lifts a bound, negatives are refused', () => {
    expect(defaultOptions).toMatchObject({ maxWatchesPerUser: 100, maxWatches: 2000 });
    const o = parseFlags(['--cert-secret=s', '--max-watches-per-user=10', '--max-watches', '0']);
    expect(o).toMatchObject({ maxWatchesPerUser: 10, maxWatches: 0 });
    expect(validate(o)).toEqual([]);
    expect(validate(parseFlags(['--cert-secret=s', '--max-watches-per-user=-1', '--max-watches=-5']))).toEqual([
      '--max-watches-per-user must not be negative (0 means no limit)', '--max-watches must not be negative (0 means no limit)',
    ]);
  });

  it('webhook client authentication and self-fencing are off by default; allowed names need the CA', () => {
    expect(defaultOptions).toMatchObject({ admissionClientCaFile: '', admissionAllowedNames: [], selfFencingNetworkPolicy: '' });
    const o = parseFlags(['--cert-secret=s', '--admission-client-ca-file=/etc/kiosk/admission/ca.crt',
      '--admission-allowed-names=kube-apiserver-admission,other', '--self-fencing-network-policy=kiosk-apiserver']);
    expect(o).toMatchObject({
      admissionClientCaFile: '/etc/kiosk/admission/ca.crt', admissionAllowedNames: ['kube-apiserver-admission', 'other'], selfFencingNetworkPolicy: 'kiosk-apiserver',
    });
    expect(validate(o)).toEqual([]);
    expect(validate(parseFlags(['--cert-secret=s', '--admission-allowed-names=x']))).toEqual(['--admission-allowed-names needs --admission-client-ca-file']);
  });

  it('reserves only the built-in prefixes by default; --reserved-prefixes adds more', () => {
    expect(defaultOptions.reservedPrefixes).toEqual([]);
    expect(parseFlags(['--reserved-prefixes=example.com/, team-']).reservedPrefixes).toEqual(['example.com/', 'team-']);
  });
});
