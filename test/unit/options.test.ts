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

  it('requires the serving certificate', () => {
    expect(validate(defaultOptions)).toEqual(['--tls-cert-file and --tls-private-key-file are required']);
  });
});
