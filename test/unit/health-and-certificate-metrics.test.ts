// The two gauges the PrometheusRule's availability alerts read: kubernetes_healthcheck (which /readyz check
// keeps a replica out of the Service) and kiosk_serving_certificate_expiration_timestamp_seconds (the
// certificate kube-apiserver is shown), each against the state it reports.
import { Registry } from 'prom-client';
import type { HealthCheck } from '../../apiserver/endpoints/health.js';
import { registerHealthMetrics } from '../../apiserver/endpoints/health-metrics.js';
import { registerServingCertificateMetrics } from '../../apiserver/endpoints/serving-certificate-metrics.js';
import type { ServingCertificate } from '../../storage/serving-certs/certificate-source.js';
import { createCertificateAuthority, createServingCertificate } from '../../storage/serving-certs/x509.js';

const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');

function serving(validityDays: number): ServingCertificate {
  const ca = createCertificateAuthority({ commonName: 'test-ca', notBefore: NOT_BEFORE, validityDays: 3650 });
  const cert = createServingCertificate(ca, { commonName: 'kiosk', dnsNames: ['kiosk-apiservice.kiosk-system.svc'], notBefore: NOT_BEFORE, validityDays });
  return { certPem: cert.certPem, keyPem: cert.keyPem, caBundlePem: ca.certPem };
}

describe('kiosk_serving_certificate_expiration_timestamp_seconds', () => {
  it('is the notAfter of the certificate served now, and follows a rotation', async () => {
    const metrics = new Registry();
    let current: ServingCertificate | undefined;
    registerServingCertificateMetrics(metrics, () => current);
    const value = async () => (await metrics.getSingleMetric('kiosk_serving_certificate_expiration_timestamp_seconds')!.get()).values.map((v) => v.value);

    // Before the first load (the server does not listen yet, so no scrape sees it).
    expect(await value()).toEqual([0]);
    current = serving(365);
    expect(await value()).toEqual([NOT_BEFORE.getTime() / 1000 + 365 * 86400]);
    current = serving(30);
    expect(await value()).toEqual([NOT_BEFORE.getTime() / 1000 + 30 * 86400]);
    expect(await metrics.metrics()).toContain(`kiosk_serving_certificate_expiration_timestamp_seconds ${String(NOT_BEFORE.getTime() / 1000 + 30 * 86400)}\n`);
  });
});

describe('kubernetes_healthcheck', () => {
  it('is 1 per passing and 0 per failing check, by endpoint, read when scraped', async () => {
    const metrics = new Registry();
    let synced = false;
    const live: HealthCheck[] = [{ name: 'ping', check: () => true }];
    const ready: HealthCheck[] = [
      { name: 'informers-synced', check: () => synced },
      { name: 'broken', check: () => { throw new Error('a check that throws fails, as on /readyz'); } },
    ];
    registerHealthMetrics(metrics, { livez: () => live, readyz: () => [...live, ...ready] });
    const values = async () => Object.fromEntries((await metrics.getSingleMetric('kubernetes_healthcheck')!.get()).values
      .map((v) => [`${String(v.labels.type)}/${String(v.labels.name)}`, v.value]));

    expect(await values()).toEqual({ 'livez/ping': 1, 'readyz/ping': 1, 'readyz/informers-synced': 0, 'readyz/broken': 0 });
    synced = true;
    expect(await values()).toEqual({ 'livez/ping': 1, 'readyz/ping': 1, 'readyz/informers-synced': 1, 'readyz/broken': 0 });
  });
});
