import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningComponent } from './component.js';
import { startComponent, waitReady } from './component.js';
import type { Pki } from './pki.js';
import { probeOk } from './probe.js';

export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
}

export interface ControlPlaneOptions {
  bin: string;
  pki: Pki;
  ports: ControlPlanePorts;
  etcdData: string;
  logs: string;
  adminKubeconfig: string;
  /**
   * kube-apiserver's --admission-control-config-file: an AdmissionConfiguration giving our webhook service
   * the admission client certificate (written by writeAdmissionConfiguration).
   */
  admissionConfigFile: string;
  /** Called with each component as soon as it is spawned, so a failure later still stops it. */
  onStarted: (component: RunningComponent) => void;
}

const START_TIMEOUT_MS = 90_000;

/** A kubeconfig with embedded credentials: kubectl, client-node and kube-controller-manager all read it. */
export function kubeconfigYaml(server: string, caFile: string, user: { certFile?: string; keyFile?: string; token?: string }): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const credentials = user.token
    ? `    token: ${user.token}`
    : `    client-certificate-data: ${b64(user.certFile!)}\n    client-key-data: ${b64(user.keyFile!)}`;
  return `apiVersion: v1
kind: Config
clusters:
- name: sandbox
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(caFile)}
users:
- name: user
  user:
${credentials}
contexts:
- name: sandbox
  context:
    cluster: sandbox
    user: user
current-context: sandbox
`;
}

/**
 * Webhook client authentication as the Kubernetes docs ("Authenticate apiservers") set it up: an
 * AdmissionConfiguration whose two webhook plugins read a kubeconfig, in which the user named after the
 * webhook Service's DNS name (`<service>.<namespace>.svc`, with `:<port>` when the port is not 443) carries
 * the client certificate. kube-apiserver then presents it on every call to that Service's webhooks.
 */
export async function writeAdmissionConfiguration(dir: string, pki: Pki, serviceHostPort: string): Promise<string> {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const kubeconfig = join(dir, 'admission-kubeconfig.yaml');
  const config = join(dir, 'admission-configuration.yaml');
  await writeFile(kubeconfig, `apiVersion: v1
kind: Config
users:
- name: ${JSON.stringify(serviceHostPort)}
  user:
    client-certificate-data: ${b64(pki.admissionClientCert)}
    client-key-data: ${b64(pki.admissionClientKey)}
`, { mode: 0o600 });
  const plugin = (name: string) => `- name: ${name}
  configuration:
    apiVersion: apiserver.config.k8s.io/v1
    kind: WebhookAdmissionConfiguration
    kubeConfigFile: ${JSON.stringify(kubeconfig)}
`;
  await writeFile(config, `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
${plugin('ValidatingAdmissionWebhook')}${plugin('MutatingAdmissionWebhook')}`);
  return config;
}

/**
 * etcd, kube-apiserver and kube-controller-manager on 127.0.0.1, each waited for before the next.
 * etcd's data is started afresh every time: a sandbox is for tests, and a clean store makes runs repeatable.
 */
export async function startControlPlane(o: ControlPlaneOptions): Promise<void> {
  const { bin, pki, ports } = o;
  await rm(o.etcdData, { recursive: true, force: true });
  await mkdir(o.etcdData, { recursive: true });
  await mkdir(o.logs, { recursive: true });

  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const etcd = startComponent({
    name: 'etcd', command: join(bin, 'etcd'), logFile: join(o.logs, 'etcd.log'),
    args: ['--name', 'sandbox', '--data-dir', o.etcdData,
      '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', `http://127.0.0.1:${ports.etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${ports.etcdPeer}`,
      '--initial-cluster', `sandbox=http://127.0.0.1:${ports.etcdPeer}`,
      '--listen-metrics-urls', '', '--unsafe-no-fsync', '--log-level', 'warn'],
  });
  o.onStarted(etcd);
  await waitReady(etcd, () => probeOk(`${etcdUrl}/health`), START_TIMEOUT_MS);

  const server = `https://127.0.0.1:${ports.apiserver}`;
  const apiserver = startComponent({
    name: 'kube-apiserver', command: join(bin, 'kube-apiserver'), logFile: join(o.logs, 'kube-apiserver.log'),
    args: [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${ports.apiserver}`,
      `--cert-dir=${join(o.etcdData, '..', 'kube-apiserver-certs')}`,
      `--tls-cert-file=${pki.apiserverCert}`, `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClientCert}`,
      `--proxy-client-key-file=${pki.frontProxyClientKey}`,
      `--admission-control-config-file=${o.admissionConfigFile}`,
      '--v=1',
    ],
  });
  o.onStarted(apiserver);
  const adminTls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
  await waitReady(apiserver, () => probeOk(`${server}/readyz`, adminTls), START_TIMEOUT_MS);
  await writeFile(o.adminKubeconfig, kubeconfigYaml(server, pki.caCert, { certFile: pki.adminCert, keyFile: pki.adminKey }), { mode: 0o600 });

  const controllerManager = startComponent({
    name: 'kube-controller-manager', command: join(bin, 'kube-controller-manager'),
    logFile: join(o.logs, 'kube-controller-manager.log'),
    args: [
      `--kubeconfig=${o.adminKubeconfig}`,
      `--authentication-kubeconfig=${o.adminKubeconfig}`, `--authorization-kubeconfig=${o.adminKubeconfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${ports.controllerManager}`,
      '--leader-elect=false',
      '--controllers=namespace-controller,garbage-collector-controller,replicaset-controller,deployment-controller,resourcequota-controller,serviceaccount-controller,serviceaccount-token-controller,clusterrole-aggregation-controller',
      `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
      '--v=1',
    ],
  });
  o.onStarted(controllerManager);
  await waitReady(controllerManager, () => probeOk(`https://127.0.0.1:${ports.controllerManager}/healthz`, { insecure: true }), START_TIMEOUT_MS);
}
