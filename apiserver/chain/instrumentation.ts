import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '../../storage/logger.js';
import { truncate } from '../../storage/logger.js';
import { requestInfo } from './request-info.js';

export interface RequestMetrics {
  total: Counter;
  duration: Histogram;
}

/** kube-apiserver's request metrics, with its names and labels (no user or namespace labels). */
export function requestMetrics(registry: Registry): RequestMetrics {
  const labelNames = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'];
  return {
    total: new Counter({
      name: 'apiserver_request_total', registers: [registry], labelNames,
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    }),
    duration: new Histogram({
      name: 'apiserver_request_duration_seconds', registers: [registry],
      labelNames: labelNames.filter((l) => l !== 'code'),
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
    }),
  };
}

/** A resource the server serves: the only group/version/resource/subresource label values the metrics take. */
export interface ServedResource {
  group: string;
  version: string;
  resource: string;
  /** Subresources served under it (none today). */
  subresources?: string[];
}

/**
 * The longest request URI a log line carries. A request line may be up to 1 MiB (the header limit, as
 * Go's net/http); logging all of it made a few thousand requests with long unique paths write most of a
 * gigabyte. The start of a path (and the resource, name and code next to it) is what a reader needs.
 */
export const MAX_LOGGED_URI_CHARS = 512;

/** A request URI as logged: at most MAX_LOGGED_URI_CHARS, with how much was cut. */
export function loggedUri(uri: string): string {
  return truncate(uri, MAX_LOGGED_URI_CHARS);
}

/**
 * The longest Audit-ID taken from a request: kube-apiserver sends a UUID (36 characters); a longer value
 * comes from a direct caller and is replaced rather than logged and echoed.
 */
const MAX_AUDIT_ID_CHARS = 128;

/**
 * One structured log line and the request metrics per request, written when the response finishes
 * (for a watch, when it closes). Keys follow kube-apiserver's httplog: verb, uri, user, code, latency.
 * The group, version, resource and subresource labels name only what `served` lists: a request for any
 * other path (which answers 404) has them empty, so clients cannot create series by inventing paths
 * (kube-apiserver bounds these labels likewise). The log line keeps the resource as requested.
 */
export function instrumentation(log: Logger, metrics: RequestMetrics, served: readonly ServedResource[]) {
  const servedKeys = new Set(served.flatMap((r) => ['', ...(r.subresources ?? [])].map((sub) => `${r.group}/${r.version}/${r.resource}/${sub}`)));
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    // The request id, as kube-apiserver's audit filter keeps it: the Audit-ID the aggregator forwards (so
    // our line joins its audit log), or a new UUID for a request sent to us directly, echoed as Audit-Id.
    // A forwarded one is not echoed: kube-apiserver's proxy adds our headers to its own Audit-Id.
    const forwarded = req.headers['audit-id'];
    const auditID = typeof forwarded === 'string' && forwarded !== '' && forwarded.length <= MAX_AUDIT_ID_CHARS ? forwarded : randomUUID();
    if (auditID !== forwarded) res.setHeader('Audit-Id', auditID);
    res.on('close', () => {
      // A throw in an event listener would end the process: the line and metrics are not worth that.
      try {
        record();
      } catch (err) {
        log.error('recording a request failed', err, { uri: loggedUri(req.originalUrl) });
      }
    });
    const record = () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const info = req.info ?? requestInfo(req.method, req.path, new URLSearchParams(req.url.split('?')[1] ?? ''));
      const verb = (info.verb === 'get' && req.method === 'HEAD' ? 'GET' : info.verb.toUpperCase());
      const isServed = info.isResourceRequest && servedKeys.has(`${info.apiGroup}/${info.apiVersion}/${info.resource}/${info.subresource}`);
      const labels = {
        verb: info.isResourceRequest ? verb : req.method,
        group: isServed ? info.apiGroup : '', version: isServed ? info.apiVersion : '',
        resource: isServed ? info.resource : '', subresource: isServed ? info.subresource : '',
        scope: !info.isResourceRequest ? '' : info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster',
        component: 'apiserver',
      };
      metrics.total.inc({ ...labels, code: String(res.statusCode) });
      metrics.duration.observe(labels, seconds);
      log.info('HTTP', {
        verb: req.method, uri: loggedUri(req.originalUrl), user: req.user?.username,
        // Names and resources are at most 253 characters when valid; a longer one is an invented path.
        resource: info.resource ? truncate(info.resource, 253) : undefined,
        name: info.name ? truncate(info.name, 253) : undefined, code: res.statusCode, latency: `${(seconds * 1000).toFixed(3)}ms`,
        auditID,
      });
    };
    next();
  };
}
