import { readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { request } from 'node:https';
import type { OutgoingHttpHeaders } from 'node:http';
import { sandboxPaths } from '../cluster/paths.js';
import { pkiFiles } from '../cluster/pki.js';
import type { SandboxState } from '../cluster/sandbox.js';
import { SERVER_DNS_NAME } from '../cluster/sandbox.js';

/** The running sandbox's ports, as recorded by the harness that started it. */
export function sandboxState(): SandboxState {
  return JSON.parse(readFileSync(sandboxPaths().state, 'utf8')) as SandboxState;
}

export const pki = () => pkiFiles(sandboxPaths().pki);

export interface DirectResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the type parameter is the cast of what JSON.parse returns
  json<T = Record<string, unknown>>(): T;
}

export interface DirectRequest {
  method?: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  /** Client certificate and key (PEM) to present, if any. */
  cert?: Buffer;
  key?: Buffer;
  body?: string;
  /** Another server process's port (a second replica); the registered server's by default. */
  port?: number;
  /** Connections to reuse (a burst), with its own TLS options; a connection per request by default. */
  agent?: Agent;
}

/** A request straight to our server's port (not through kube-apiserver), trusting the sandbox's extension CA. */
/** Node sends a DELETE body with neither Content-Length nor chunking: always say how long a body is. */
function withLength(headers: OutgoingHttpHeaders | undefined, body: string | undefined): OutgoingHttpHeaders {
  return body === undefined ? { ...headers } : { ...headers, 'Content-Length': Buffer.byteLength(body) };
}

export function direct(req: DirectRequest): Promise<DirectResponse> {
  const state = sandboxState();
  return new Promise((resolve, reject) => {
    const r = request({
      host: '127.0.0.1', port: req.port ?? state.ports.server, method: req.method ?? 'GET', path: req.path,
      headers: withLength(req.headers, req.body), ca: readFileSync(pki().extensionCaCert), servername: SERVER_DNS_NAME,
      cert: req.cert, key: req.key, agent: req.agent ?? false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, headers: res.headers, body,
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the type parameter is the cast of what JSON.parse returns
        json: <T>() => JSON.parse(body) as T,
      }));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** The front proxy's real client certificate, as kube-apiserver presents it. */
export function frontProxyCredentials(): { cert: Buffer; key: Buffer } {
  const p = pki();
  return { cert: readFileSync(p.frontProxyClientCert), key: readFileSync(p.frontProxyClientKey) };
}

/** kube-apiserver's admission client certificate: the only credential /admission/* accepts in the sandbox. */
export function admissionCredentials(): { cert: Buffer; key: Buffer } {
  const p = pki();
  return { cert: readFileSync(p.admissionClientCert), key: readFileSync(p.admissionClientKey) };
}

/** A request through kube-apiserver (the aggregator) as the sandbox admin, optionally impersonating. */
export function viaApiserver(req: DirectRequest & { as?: string; asGroups?: string[] }): Promise<DirectResponse> {
  const state = sandboxState();
  const p = pki();
  const headers: OutgoingHttpHeaders = withLength(req.headers, req.body);
  if (req.as) headers['Impersonate-User'] = req.as;
  if (req.asGroups) headers['Impersonate-Group'] = req.asGroups;
  return new Promise((resolve, reject) => {
    const r = request({
      host: '127.0.0.1', port: state.ports.apiserver, method: req.method ?? 'GET', path: req.path, headers,
      ca: readFileSync(p.caCert), cert: readFileSync(p.adminCert), key: readFileSync(p.adminKey), agent: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the type parameter is the cast of what JSON.parse returns
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T }));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Polls `check` until it returns true or the timeout passes; returns whether it became true. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
