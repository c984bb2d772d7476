import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ServingCertificate } from '../../storage/serving-certs/certificate-source.js';
import { certificateExpiry } from '../../storage/serving-certs/x509.js';

/**
 * kiosk_serving_certificate_expiration_timestamp_seconds: the notAfter of the certificate this replica serves
 * now (the one the CertificateKeeper last loaded, after any rotation), as cert-manager's
 * certmanager_certificate_expiration_timestamp_seconds. It is what kube-apiserver checks when it dials the
 * APIService and the webhooks: an alert on it catches a renewal that stopped (a failing cert-manager, a Secret
 * the server may no longer update) before every tenant request fails. Read when scraped; the certificate is
 * parsed only when it changed.
 */
export function registerServingCertificateMetrics(metrics: Registry, current: () => ServingCertificate | undefined): void {
  let parsed: { certPem: string; seconds: number } | undefined;
  new Gauge({
    name: 'kiosk_serving_certificate_expiration_timestamp_seconds', registers: [metrics],
    help: 'The time (Unix seconds) at which the serving certificate this replica presents expires; 0 before it is loaded.',
    collect() {
      const certificate = current();
      if (!certificate) return;
      if (parsed?.certPem !== certificate.certPem) {
        parsed = { certPem: certificate.certPem, seconds: certificateExpiry(certificate.certPem).getTime() / 1000 };
      }
      this.set(parsed.seconds);
    },
  });
}
