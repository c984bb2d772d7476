import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type { AdmissionHandler, AdmissionRequest } from '../../registry/admission.js';
import { badRequest, internal } from '../../registry/errors.js';
import type { Logger } from '../../storage/logger.js';

interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: AdmissionRequest;
}

/**
 * The AdmissionReview transport: kube-apiserver POSTs an admission.k8s.io/v1 AdmissionReview to
 * /admission/<hook>; the decision comes from the registry, and goes back in the same review. A denial's
 * Status keeps its code, reason and causes (kube-apiserver prefixes the message with the webhook's name).
 */
export function admissionRouter(hooks: Record<string, AdmissionHandler>, log: Logger): Router {
  const router = express.Router();
  router.post('/admission/:hook', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const hook = hooks[String(req.params.hook)];
      if (!hook) return next();
      let review: AdmissionReview;
      try {
        review = JSON.parse((req.rawBody ?? Buffer.alloc(0)).toString('utf8')) as AdmissionReview;
      } catch {
        throw badRequest('the body is not an AdmissionReview');
      }
      if (review.kind !== 'AdmissionReview' || !review.request?.uid) throw badRequest('the body is not an admission.k8s.io/v1 AdmissionReview with a request');
      let decision: Awaited<ReturnType<AdmissionHandler>>;
      try {
        decision = await hook(review.request);
      } catch (err) {
        // A decision that could not be made is a denial the user can read, not a failed webhook call.
        log.error('admission failed', err, { hook: req.params.hook, namespace: review.request.namespace, name: review.request.name });
        decision = { allowed: false, error: internal(err) };
      }
      const response = decision.allowed
        ? { uid: review.request.uid, allowed: true, ...(decision.warnings?.length ? { warnings: decision.warnings } : {}) }
        : { uid: review.request.uid, allowed: false, status: decision.error.toStatus() };
      if (!decision.allowed) {
        log.v(2).info('admission denied', { hook: req.params.hook, namespace: review.request.namespace, name: review.request.name, reason: decision.error.message });
      }
      res.status(200).json({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
