import { createHash } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import express from 'express';
import { notAcceptable } from '../../storage/apimachinery/errors.js';
import type { ResourceDescriptor } from '../../registry/resource.js';
import { parseAccept } from '../encoding/media-type.js';

const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface GroupVersion {
  group: string;
  version: string;
  resources: ResourceDescriptor[];
}

function apiResourceList(gv: GroupVersion) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${gv.group}/${gv.version}`,
    resources: gv.resources.map((r) => ({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    })),
  };
}

function apiGroup(gv: GroupVersion) {
  const version = { groupVersion: `${gv.group}/${gv.version}`, version: gv.version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: gv.group, versions: [version], preferredVersion: version };
}

function aggregatedDiscovery(gv: GroupVersion, apiVersion: string) {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: [{
      metadata: { name: gv.group },
      versions: [{
        version: gv.version,
        resources: gv.resources.map((r) => ({
          resource: r.resource,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length ? { categories: r.categories } : {}),
        })),
        freshness: 'Current',
      }],
    }],
  };
}

/** Serves a JSON document with genericapiserver's ETag handling (a matching If-None-Match gets 304). */
function sendWithEtag(req: Request, res: Response, contentType: string, body: unknown): void {
  const json = JSON.stringify(body);
  const etag = `"${createHash('sha512').update(json).digest('hex')}"`;
  res.setHeader('Vary', 'Accept');
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'public');
  if (req.headers['if-none-match'] === etag) {
    res.status(304).end();
    return;
  }
  res.status(200).setHeader('Content-Type', contentType);
  res.end(json);
}

/**
 * Legacy discovery (/apis, /apis/<group>, /apis/<group>/<version>) and aggregated discovery v2 (and v2beta1
 * for 1.30-1.36 aggregators) on /apis. kube-apiserver answers /apis and /apis/<group> for clients itself;
 * it asks us for the aggregated document and for /apis/<group>/<version>.
 */
export function discoveryRouter(gv: GroupVersion): Router {
  const router = express.Router();
  router.get('/apis', (req, res, next): void => {
    const accepted = parseAccept(req.headers.accept);
    for (const media of accepted) {
      if (media.type === 'application/json' && media.params.g === 'apidiscovery.k8s.io' && media.params.as === 'APIGroupDiscoveryList') {
        if (media.params.v === 'v2') return sendWithEtag(req, res, AGGREGATED_V2, aggregatedDiscovery(gv, 'apidiscovery.k8s.io/v2'));
        if (media.params.v === 'v2beta1') return sendWithEtag(req, res, AGGREGATED_V2BETA1, aggregatedDiscovery(gv, 'apidiscovery.k8s.io/v2beta1'));
        continue;
      }
      if (media.params.as) continue;
      if (media.type === 'application/json' || media.type === '*/*' || media.type === 'application/*') {
        return void res.json({ kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup(gv)] });
      }
    }
    next(notAcceptable(`only the following media types are accepted: application/json, ${AGGREGATED_V2}, ${AGGREGATED_V2BETA1}`));
  });
  router.get(`/apis/${gv.group}`, (_req, res) => void res.json(apiGroup(gv)));
  router.get(`/apis/${gv.group}/${gv.version}`, (_req, res) => void res.json(apiResourceList(gv)));
  return router;
}
