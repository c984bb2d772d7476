import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AdmissionHandler } from '../../registry/admission.js';
import { internal } from '../../storage/apimachinery/errors.js';
import type { Logger } from '../../storage/logger.js';
import { readAdmissionRequest } from './review.js';

export interface AdmissionMetrics {
  decisions: Counter<'webhook' | 'operation' | 'allowed'>;
  duration: Histogram<'webhook'>;
}

const OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

/**
 * Our admission metrics, modelled on kube-apiserver's apiserver_admission_webhook_admission_duration_seconds
 * (name, operation, rejected) and controller-runtime's controller_runtime_webhook_* (webhook): a decision
 * counter and a latency histogram per webhook. The webhook label takes only the names of the hooks
 * served; the series of each hook exist from the start.
 */
export function admissionMetrics(registry: Registry, hooks: string[]): AdmissionMetrics {
  const m: AdmissionMetrics = {
    decisions: new Counter({
      name: 'kiosk_admission_decisions_total', registers: [registry], labelNames: ['webhook', 'operation', 'allowed'],
      help: 'Admission decisions made, by webhook, operation (CREATE, UPDATE, DELETE, CONNECT) and whether the request was allowed.',
    }),
    duration: new Histogram({
      name: 'kiosk_admission_decision_duration_seconds', registers: [registry], labelNames: ['webhook'],
      help: 'Time from an AdmissionReview being read to its response, by webhook.',
      // kube-apiserver's buckets for webhook admission latency (a webhook call times out after 10 s by default).
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 25],
    }),
  };
  for (const webhook of hooks) m.duration.zero({ webhook });
  return m;
}

/**
 * The AdmissionReview transport: kube-apiserver POSTs an admission.k8s.io/v1 AdmissionReview to
 * /admission/<hook>; the decision comes from the registry, and goes back in the same review. A denial's
 * Status keeps its code, reason and causes (kube-apiserver prefixes the message with the webhook's name); a
 * mutating hook's patch goes back as a base64 JSONPatch.
 */
export function admissionRouter(hooks: Record<string, AdmissionHandler>, log: Logger, metrics?: AdmissionMetrics): Router {
  const router = express.Router();
  router.post('/admission/:hook', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const webhook = String(req.params.hook);
      const hook = Object.hasOwn(hooks, webhook) ? hooks[webhook] : undefined;
      if (!hook) {
        next();
        return;
      }
      const started = process.hrtime.bigint();
      const request = readAdmissionRequest(req.rawBody ?? Buffer.alloc(0));
      let decision: Awaited<ReturnType<AdmissionHandler>>;
      try {
        decision = await hook(request);
      } catch (err) {
        // A decision that could not be made is a denial the user can read, not a failed webhook call.
        log.error('admission failed', err, { hook: req.params.hook, namespace: request.namespace, name: request.name });
        decision = { allowed: false, error: internal(err) };
      }
      const response = decision.allowed
        ? {
          uid: request.uid, allowed: true, ...(decision.warnings?.length ? { warnings: decision.warnings } : {}),
          // admission.k8s.io/v1: the patch is the base64 of a JSON array of operations; no patch, no patchType.
          ...(decision.patch?.length ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(decision.patch), 'utf8').toString('base64') } : {}),
        }
        : { uid: request.uid, allowed: false, status: decision.error.toStatus() };
      // A review the hook never decided (a malformed body, a 400) is no decision; the request metrics count it.
      metrics?.decisions.inc({
        webhook, operation: OPERATIONS.has(request.operation) ? request.operation : '', allowed: String(decision.allowed),
      });
      metrics?.duration.observe({ webhook }, Number(process.hrtime.bigint() - started) / 1e9);
      if (!decision.allowed) {
        log.v(2).info('admission denied', { hook: req.params.hook, namespace: request.namespace, name: request.name, reason: decision.error.message });
      }
      res.status(200).json({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
