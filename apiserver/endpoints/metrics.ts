import type { Router } from 'express';
import express from 'express';
import type { Registry } from 'prom-client';

/** Prometheus text exposition of the server's registry; authorized like any non-resource path. */
export function metricsRouter(registry: Registry): Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res, next) => {
    try {
      const body = await registry.metrics();
      res.setHeader('Content-Type', registry.contentType);
      res.send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
