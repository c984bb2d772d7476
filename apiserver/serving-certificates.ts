import type { KubeClient } from '../storage/client.js';
import type { Logger } from '../storage/logger.js';
import { CaBundleInjector } from '../storage/serving-certs/ca-bundle-injector.js';
import { CertificateKeeper } from '../storage/serving-certs/certificate-keeper.js';
import { FileCertificateSource } from '../storage/serving-certs/file-source.js';
import { SecretCertificateSource, serviceDnsNames } from '../storage/serving-certs/secret-source.js';
import type { ServerOptions } from './options.js';

/**
 * The serving certificate as the flags choose it: files (given, or a cert-manager Secret mounted), or the
 * server's own CA and certificate in --cert-secret with the CA injected into the APIService and webhooks.
 */
export function servingCertificates(options: ServerOptions, client: KubeClient, log: Logger): CertificateKeeper {
  const certLog = log.with({ component: 'serving-certificates' });
  if (!options.certSecret) return new CertificateKeeper(new FileCertificateSource(options.tlsCertFile, options.tlsPrivateKeyFile), undefined, certLog);
  const source = new SecretCertificateSource(client, {
    namespace: options.namespace, secretName: options.certSecret, dnsNames: serviceDnsNames(options.serviceName, options.namespace),
  }, certLog);
  const injector = new CaBundleInjector(client, {
    apiServices: options.caBundleApiServices, validatingWebhookConfigurations: options.caBundleWebhookConfigurations,
    mutatingWebhookConfigurations: options.caBundleMutatingWebhookConfigurations,
  });
  return new CertificateKeeper(source, injector, certLog);
}
