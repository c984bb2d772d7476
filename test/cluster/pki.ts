import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DAYS = '3650';

/** Where each certificate of the sandbox lives; names match the files written into the pki folder. */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** The CA our server trusts for kube-apiserver's admission client certificate (--admission-client-ca-file). */
  admissionCaCert: string;
  admissionCaKey: string;
  /** kube-apiserver's client certificate for our webhooks (in its admission kubeconfig). */
  admissionClientCert: string;
  admissionClientKey: string;
  /** Our server's CA bundle, copied from its Secret once the server has made it (see sandbox.ts). */
  extensionCaCert: string;
}

export function pkiFiles(dir: string): Pki {
  const f = (name: string) => join(dir, name);
  return {
    dir,
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    frontProxyCaCert: f('front-proxy-ca.crt'),
    frontProxyClientCert: f('front-proxy-client.crt'),
    frontProxyClientKey: f('front-proxy-client.key'),
    apiserverCert: f('apiserver.crt'),
    apiserverKey: f('apiserver.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
    admissionCaCert: f('admission-client-ca.crt'),
    admissionCaKey: f('admission-client-ca.key'),
    admissionClientCert: f('admission-client.crt'),
    admissionClientKey: f('admission-client.key'),
    extensionCaCert: f('extension-ca.crt'),
  };
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${String(args[0])} failed: ${e.stderr || e.message}`);
  }
}

/** A self-signed CA certificate and key named `<name>.crt` / `<name>.key`. */
export async function createCa(dir: string, name: string, commonName: string): Promise<void> {
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', DAYS,
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], dir);
}

/** A leaf certificate signed by the CA `<ca>.crt`; usage is serverAuth or clientAuth. */
export async function createLeaf(dir: string, name: string, subject: string, ca: string,
  usage: 'serverAuth' | 'clientAuth', subjectAltNames?: string): Promise<void> {
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage}`,
    ...(subjectAltNames ? [`subjectAltName=${subjectAltNames}`] : []),
  ].join('\n');
  await writeFile(join(dir, `${name}.ext`), ext + '\n');
  await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', DAYS, '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  await rm(join(dir, `${name}.csr`));
  await rm(join(dir, `${name}.ext`));
}

/** The CN of kube-apiserver's admission client certificate: the server's --admission-allowed-names. */
export const ADMISSION_CLIENT_NAME = 'kube-apiserver-admission';

/**
 * The control plane's PKI: a cluster CA and a separate front-proxy CA (kube-apiserver refuses overlapping
 * CAs without allowed names, and a separate CA is what makes the CN check meaningful), and a third CA for
 * the client certificate kube-apiserver presents to our webhooks (see admissionConfiguration in
 * control-plane.ts): none of the other CAs' certificates may drive admission. Our server makes its
 * own serving certificate, as on a real cluster. Made once and kept: a warm sandbox start reuses it.
 */
export async function ensurePki(dir: string): Promise<Pki> {
  const pki = pkiFiles(dir);
  if (existsSync(pki.frontProxyClientCert) && existsSync(pki.serviceAccountPub) && existsSync(pki.admissionClientCert)) return pki;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await Promise.all([
    createCa(dir, 'ca', 'kiosk-sandbox-ca'),
    createCa(dir, 'front-proxy-ca', 'kiosk-sandbox-front-proxy-ca'),
    createCa(dir, 'admission-client-ca', 'kiosk-sandbox-admission-client-ca'),
  ]);
  await Promise.all([
    createLeaf(dir, 'apiserver', '/CN=kube-apiserver', 'ca', 'serverAuth',
      'DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.0.0.1'),
    createLeaf(dir, 'admin', '/O=system:masters/CN=kubernetes-admin', 'ca', 'clientAuth'),
    createLeaf(dir, 'front-proxy-client', '/CN=front-proxy-client', 'front-proxy-ca', 'clientAuth'),
    createLeaf(dir, 'admission-client', `/CN=${ADMISSION_CLIENT_NAME}`, 'admission-client-ca', 'clientAuth'),
    openssl(['genrsa', '-out', 'sa.key', '2048'], dir).then(() => openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir)),
  ]);
  return pki;
}
