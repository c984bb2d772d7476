import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from 'express';
import express from 'express';
import { notAcceptable } from '../../storage/apimachinery/errors.js';
import { openAPIV3Document, swaggerV2Document } from '../../registry/openapi/document.js';
import type { DocumentOptions } from '../../registry/openapi/document.js';
import { allSchemas } from '../../registry/openapi/schemas.js';
import type { ResourceDescriptor } from '../../registry/resource.js';
import { parseAccept } from '../encoding/media-type.js';

/** Options of {@link openapiRouter}. */
export interface OpenAPIOptions {
  /**
   * Content types the PATCH handler accepts, advertised verbatim (v3 `requestBody.content`, v2 `consumes`).
   * Client-side `kubectl apply` sends a strategic merge patch only if it is listed, so list exactly what the
   * handler implements.
   */
  patchTypes: string[];
}

/** A document rendered once: the exact bytes served, and the hash clients and the aggregator cache by. */
interface Rendered {
  json: string;
  /** Upper-case hex SHA-512 of `json`, as kube-openapi's handler3 computes it. */
  hash: string;
  etag: string;
}

// The only encodings the handlers produce; kube-openapi also serves protobuf, which we do not.
const JSON_TYPE = 'application/json';
const PRODUCES = [JSON_TYPE];
const WATCH_PRODUCES = ['application/json;stream=watch'];
const INFO = { title: 'Kiosk', version: 'unversioned' };

function render(document: object): Rendered {
  const json = JSON.stringify(document);
  const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
  return { json, hash, etag: `"${hash}"` };
}

/** If-None-Match per RFC 9110: `*` or any listed tag, compared weakly (as Go's http.ServeContent does). */
function notModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

function acceptsJSON(req: IncomingMessage): boolean {
  return parseAccept(req.headers.accept).some((m) =>
    !m.params.as && (m.type === JSON_TYPE || m.type === 'application/*' || m.type === '*/*'));
}

function send(req: IncomingMessage, res: ServerResponse, doc: Rendered, cacheControl: string, extra: Record<string, string> = {}): void {
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Etag', doc.etag);
  res.setHeader('Cache-Control', cacheControl);
  for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
  if (notModified(req, doc.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.end(req.method === 'HEAD' ? undefined : doc.json);
}

const hashParam = (req: IncomingMessage) => new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('hash');

function byGroupVersion(resources: ResourceDescriptor[]): Map<string, ResourceDescriptor[]> {
  const groups = new Map<string, ResourceDescriptor[]>();
  for (const r of resources) {
    const key = `apis/${r.group}/${r.version}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return groups;
}

/**
 * OpenAPI for the served resources: `/openapi/v3` (the root kube-apiserver's OpenAPI v3 controller reads),
 * `/openapi/v3/apis/<group>/<version>` and `/openapi/v2`. Documents are rendered once, here; they change only
 * when the resources do, which means a new process.
 *
 * - The v3 root lists only our own group/versions: kube-apiserver merges every APIService's root keys into
 *   the cluster root by plain assignment, so any other key (`api`, `apis`, `version`) would hijack it.
 *   A group/version whose resources have no operations is not listed (and its document is 404).
 * - A wrong or missing `?hash=` gets 200 with the current document, never kube-openapi's 301: behind the
 *   aggregator a redirect turns into a 502. `Cache-Control: public, immutable` is sent only when the hash
 *   matches, since only then is the URL content-addressed.
 * - Every document carries an `Etag`; a matching `If-None-Match` gets 304 (the aggregator's downloaders
 *   revalidate every minute).
 *
 * Throws if a resource's kind has no schema, so the gap shows at start-up.
 */
export function openapiRouter(resources: ResourceDescriptor[], options: OpenAPIOptions): Router {
  const docOptions: DocumentOptions = { patchTypes: options.patchTypes, produces: PRODUCES, watchProduces: WATCH_PRODUCES, info: INFO };
  const catalogue = allSchemas();
  const groupVersions = new Map<string, Rendered>();
  for (const [key, members] of byGroupVersion(resources)) {
    if (!members.some((r) => r.verbs.length)) continue;
    groupVersions.set(key, render(openAPIV3Document(members, catalogue, docOptions)));
  }
  const root = render({
    paths: Object.fromEntries([...groupVersions].map(([key, doc]) =>
      [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` }])),
  });
  const v2 = render(swaggerV2Document(resources, catalogue, docOptions));

  const router = express.Router();
  // Like kube-openapi's discovery handler, the root ignores Accept: it only exists as JSON.
  router.get('/openapi/v3', (req, res) => send(req, res, root, 'no-cache, private'));
  for (const [key, doc] of groupVersions) {
    router.get(`/openapi/v3/${key}`, (req, res, next): void => {
      res.setHeader('Vary', 'Accept');
      if (!acceptsJSON(req)) return next(notAcceptable(`only the following media types are accepted: ${JSON_TYPE}`));
      if (hashParam(req) === doc.hash) {
        const expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
        return send(req, res, doc, 'public, immutable', { Expires: expires });
      }
      send(req, res, doc, 'no-cache, private');
    });
  }
  router.get('/openapi/v2', (req, res, next): void => {
    res.setHeader('Vary', 'Accept');
    if (!acceptsJSON(req)) return next(notAcceptable(`only the following media types are accepted: ${JSON_TYPE}`));
    send(req, res, v2, 'no-cache, private');
  });
  return router;
}
