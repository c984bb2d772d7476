import { readFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { sandboxPaths } from '../cluster/paths.js';
import { pkiFiles } from '../cluster/pki.js';
import type { SandboxState } from '../cluster/sandbox.js';
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
    { ca: readFileSync(pki.extensionCaCert), cert: readFileSync(pki.frontProxyClientCert), key: readFileSync(pki.frontProxyClientKey), servername: 'localhost' },
    maxSockets);
  return { apiserver, server, close: () => { apiserver.close(); server.close(); } };
}

/** Front-proxy headers for a request straight to our server (repeated X-Remote-Group, one per group). */
export function remoteUser(who: Identity): OutgoingHttpHeaders {
  return { 'X-Remote-User': who.username, ...(who.groups.length > 0 ? { 'X-Remote-Group': [...who.groups] } : {}) };
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
