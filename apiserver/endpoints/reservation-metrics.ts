import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { VisibleObserver } from '../../registry/accountquota/admission.js';

/**
 * kiosk_accountquota_reservation_visible_seconds: how long after this replica wrote an AccountQuota
 * reservation its informers saw the object. A reservation must outlive this lag (RESERVATION_TTL_MS), or a
 * burst could be admitted over the quota; forged reviews hold their claims for that TTL, so it is kept short
 * and this histogram shows the margin on a live cluster. Objects never seen (forged reviews, creates refused
 * later in kube-apiserver's chain) are not observed.
 */
export function registerReservationMetrics(metrics: Registry): VisibleObserver {
  const h = new Histogram({
    name: 'kiosk_accountquota_reservation_visible_seconds', registers: [metrics],
    help: 'Time from an AccountQuota reservation being written to the informers seeing its object, on this replica.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  return (seconds) => h.observe(seconds);
}
