import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { sandboxPaths } from '../cluster/paths.js';
import { pkiFiles } from '../cluster/pki.js';
import type { SandboxState } from '../cluster/sandbox.js';
import { SERVER_DNS_NAME } from '../cluster/sandbox.js';
import { HttpsEndpoint } from './http.js';

export const SPACES_PATH = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
export const ACCOUNTS_PATH = '/apis/tenancy.kiosk.sh/v1alpha1/accounts';

export interface Identity {
  username: string;
  groups: readonly string[];
}

/** The admin of the sandbox: system:masters, so it may impersonate and is exempt from API priority limits. */
export const ADMIN: Identity = { username: 'kubernetes-admin', groups: ['system:masters'] };

/**
 * The two ways in: kube-apiserver with the admin certificate (writes, and reads through the aggregator
 * with impersonation), and our server's own port with the front proxy's certificate, where the
 * X-Remote-* headers name the user exactly as the aggregator would.
 */
export interface Clients {
  apiserver: HttpsEndpoint;
  server: HttpsEndpoint;
  close(): void;
}

export function connect(state: SandboxState, maxSockets = 64): Clients {
  const pki = pkiFiles(sandboxPaths().pki);
  const apiserver = new HttpsEndpoint(state.ports.apiserver,
    { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) }, maxSockets);
  const server = new HttpsEndpoint(state.ports.server,
    { ca: readFileSync(pki.extensionCaCert), cert: readFileSync(pki.frontProxyClientCert), key: readFileSync(pki.frontProxyClientKey), servername: SERVER_DNS_NAME },
    maxSockets);
  return { apiserver, server, close: () => { apiserver.close(); server.close(); } };
}

/** The Audit-ID prefix of the benchmark's direct requests; kube-apiserver's own are bare UUIDs. */
export const DIRECT_AUDIT_PREFIX = 'bench-direct-';

/** Front-proxy headers for a request straight to our server (repeated X-Remote-Group, one per group). */
export function remoteUser(who: Identity): OutgoingHttpHeaders {
  // The Audit-ID marks the server's log line as a direct request (serverLatencies tells them apart by it).
  return { 'X-Remote-User': who.username, ...(who.groups.length > 0 ? { 'X-Remote-Group': [...who.groups] } : {}), 'Audit-ID': `${DIRECT_AUDIT_PREFIX}${randomUUID()}` };
}

/** Impersonation headers for a request through kube-apiserver as the admin. */
export function impersonate(who: Identity): OutgoingHttpHeaders {
  return { 'Impersonate-User': who.username, ...(who.groups.length > 0 ? { 'Impersonate-Group': [...who.groups] } : {}) };
}

/** The server's process id, as the sandbox recorded it (it changes with every restart). */
export function serverPid(state: SandboxState): number {
  const c = state.components.find((x) => x.name === 'kiosk-apiserver');
  if (!c) throw new Error('the sandbox state has no kiosk-apiserver component');
  return c.pid;
}
