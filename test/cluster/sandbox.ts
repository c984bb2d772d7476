import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dumpYaml, loadYaml } from '@kubernetes/client-node';
import type { RunningComponent } from './component.js';
import { isRunning, startComponent, stopComponent, waitReady } from './component.js';
import type { ControlPlanePorts } from './control-plane.js';
import { kubeconfigYaml, startControlPlane, writeAdmissionConfiguration } from './control-plane.js';
import { kubectlOk } from './kubectl.js';
import type { SandboxPaths } from './paths.js';
import { sandboxPaths } from './paths.js';
import { ADMISSION_CLIENT_NAME, ensurePki, pkiFiles } from './pki.js';
import { freePorts } from './ports.js';
import { probeOk } from './probe.js';

/** Where our server is installed in the sandbox; the serving certificate names `<service>.<namespace>.svc`. */
export const SERVER_NAMESPACE = 'kiosk-system';
export const SERVER_SERVICE = 'kiosk-apiservice';
export const SERVER_SERVICE_ACCOUNT = 'kiosk';
export const APISERVICE_NAME = 'v1alpha1.tenancy.kiosk.sh';
/** The name clients verify our serving certificate against: the Service DNS name the aggregator dials. */
export const SERVER_DNS_NAME = `${SERVER_SERVICE}.${SERVER_NAMESPACE}.svc`;
/** Where the server keeps its CA and serving certificate (manifests/deployment.yaml's --cert-secret). */
const SERVER_CERT_SECRET = 'kiosk-serving-cert';

/** The manifests a real install applies that also hold for a server running as a local process. */
const SERVER_PREREQUISITES = ['chart/crds', 'namespace.yaml', 'service-account.yaml', 'server-rbac.yaml', 'tenant-roles.yaml', 'metrics-reader.yaml',
  // The opt-in self-fencing: the server keeps the NetworkPolicy (no network plugin enforces it here).
  'network-policy/network-policy.yaml', 'network-policy/rbac.yaml'];
/** The NetworkPolicy the sandbox's server keeps (manifests/network-policy). */
export const SELF_FENCING_POLICY = 'kiosk-apiserver';

export interface SandboxState {
  ports: ControlPlanePorts & { server: number };
  components: RunningComponent[];
  startedAt: string;
}

type Log = (line: string) => void;

export async function readState(paths: SandboxPaths = sandboxPaths()): Promise<SandboxState | undefined> {
  if (!existsSync(paths.state)) return undefined;
  return JSON.parse(await readFile(paths.state, 'utf8')) as SandboxState;
}

async function writeState(paths: SandboxPaths, state: SandboxState): Promise<void> {
  await writeFile(paths.state, JSON.stringify(state, null, 2) + '\n');
}

/** A sandbox whose every recorded process is still alive, or undefined. */
export async function runningSandbox(paths: SandboxPaths = sandboxPaths()): Promise<SandboxState | undefined> {
  const state = await readState(paths);
  if (!state || state.components.length === 0) return undefined;
  return state.components.every(isRunning) ? state : undefined;
}

/** Builds the control-plane binaries when the cache lacks them; the script prints one line per step. */
export function ensureBinaries(paths: SandboxPaths): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [paths.buildScript], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the control-plane binaries failed (exit ${String(code)})`))));
  });
}

function serverUrl(state: SandboxState): string {
  return `https://127.0.0.1:${state.ports.server}`;
}

interface DeploymentManifest {
  spec: { template: { spec: { containers: Array<{ name: string; args?: string[]; env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }> }> } } };
}

/**
 * The server container's args from manifests/deployment.yaml, with `$(VAR)` expanded from its env as the
 * kubelet does (the pod's namespace is the sandbox's kiosk-system): the sandbox runs exactly what a pod runs.
 */
export async function deploymentArgs(paths: SandboxPaths): Promise<string[]> {
  const deployment = loadYaml<DeploymentManifest>(await readFile(join(paths.manifests, 'deployment.yaml'), 'utf8'));
  const container = deployment.spec.template.spec.containers.find((c) => c.name === 'kiosk');
  if (!container?.args) throw new Error('manifests/deployment.yaml has no container "kiosk" with args');
  const env = new Map<string, string>();
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env.set(e.name, e.value);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env.set(e.name, SERVER_NAMESPACE);
  }
  return container.args.map((arg) => arg.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (whole, name: string) => env.get(name) ?? whole));
}

/** Copies the server's CA bundle from its Secret to the pki folder, for tests that call the server directly. */
async function exportServerCa(paths: SandboxPaths): Promise<void> {
  const encoded = await kubectlOk(['get', 'secret', SERVER_CERT_SECRET, '-n', SERVER_NAMESPACE, '-o', 'jsonpath={.data.ca\\.crt}']);
  await writeFile(pkiFiles(paths.pki).extensionCaCert, Buffer.from(encoded.trim(), 'base64'));
}

/** The Node flags of the image's ENTRYPOINT (the image-layout test holds the Dockerfile to them). */
export const SERVER_NODE_FLAGS = ['--enable-source-maps', '--disable-proto=delete', '--max-semi-space-size=2'];

/**
 * Starts our server as a local process with the Deployment's args, as it would run in a pod: plus only what
 * a process outside a pod needs (the ServiceAccount token in a kubeconfig, a loopback port, the helm binary).
 */
async function startServer(paths: SandboxPaths, state: SandboxState, name = 'kiosk-apiserver', extraArgs: string[] = []): Promise<RunningComponent> {
  const server = startComponent({
    name, command: process.execPath, logFile: join(paths.logs, `${name}.log`),
    args: [...SERVER_NODE_FLAGS, paths.serverEntry, ...await deploymentArgs(paths),
      `--secure-port=${state.ports.server}`, '--bind-address=127.0.0.1',
      `--kubeconfig=${paths.serverKubeconfig}`, `--helm-binary=${join(paths.bin, 'helm')}`,
      // The sandbox's kube-apiserver authenticates to our webhooks (writeAdmissionConfiguration), as a
      // self-managed control plane can: only its certificate may drive admission.
      ...admissionArgs(paths), `--self-fencing-network-policy=${SELF_FENCING_POLICY}`, ...extraArgs],
  });
  state.components.push(server);
  // Like the kubelet's HTTPS probes, readiness does not verify the certificate (the server makes it).
  await waitReady(server, () => probeOk(`${serverUrl(state)}/readyz`, { insecure: true }), 60_000);
  await exportServerCa(paths);
  return server;
}

/** The server flags that accept only kube-apiserver's admission client certificate on /admission/*. */
export function admissionArgs(paths: SandboxPaths): string[] {
  return [`--admission-client-ca-file=${pkiFiles(paths.pki).admissionCaCert}`, `--admission-allowed-names=${ADMISSION_CLIENT_NAME}`];
}

/** Installs the server's identity and RBAC from manifests/, and writes a kubeconfig with its token. */
async function installServerIdentity(paths: SandboxPaths, state: SandboxState): Promise<void> {
  await kubectlOk(['apply', ...SERVER_PREREQUISITES.flatMap((file) => ['-f', join(paths.manifests, file)])]);
  await kubectlOk(['wait', '--for=condition=Established', '-f', join(paths.manifests, 'chart/crds'), '--timeout=60s']);
  const token = (await kubectlOk(['create', 'token', SERVER_SERVICE_ACCOUNT, '-n', SERVER_NAMESPACE, '--duration=8760h'])).trim();
  const pki = pkiFiles(paths.pki);
  await writeFile(paths.serverKubeconfig, kubeconfigYaml(`https://127.0.0.1:${state.ports.apiserver}`, pki.caCert, { token }), { mode: 0o600 });
}

/**
 * Registers the local server the way kwok registers a local metrics-server: an ExternalName Service
 * pointing at 127.0.0.1 (endpoints may not hold loopback addresses), and the APIService and webhooks from
 * manifests/ (webhook.yaml, mutating-webhook.yaml) with the server's port. Their caBundle is left to the
 * server, which injects its CA.
 */
async function registerApiService(paths: SandboxPaths, state: SandboxState): Promise<void> {
  const service = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: SERVER_SERVICE, namespace: SERVER_NAMESPACE, labels: { 'app.kubernetes.io/name': 'kiosk' } },
    spec: { type: 'ExternalName', externalName: '127.0.0.1' },
  };
  const apiService = loadYaml<{ spec: { service: Record<string, unknown> } }>(await readFile(join(paths.manifests, 'apiservice.yaml'), 'utf8'));
  apiService.spec.service.port = state.ports.server;
  // The validating and the mutating webhooks, each dialling the server's port.
  const configurations = await Promise.all(['webhook.yaml', 'mutating-webhook.yaml'].map(async (file) => {
    const config = loadYaml<{ webhooks: Array<{ clientConfig: { service: { port?: number } } }> }>(await readFile(join(paths.manifests, file), 'utf8'));
    for (const w of config.webhooks) w.clientConfig.service.port = state.ports.server;
    return dumpYaml(config);
  }));
  await kubectlOk(['apply', '-f', '-'], { stdin: [dumpYaml(service), dumpYaml(apiService), ...configurations].join('---\n') });
}

async function waitForApiService(): Promise<void> {
  await kubectlOk(['wait', '--for=condition=Available', `apiservice/${APISERVICE_NAME}`, '--timeout=90s'], { timeoutMs: 100_000 });
}

/**
 * After our server restarts, the aggregator may still be between noticing the outage and noticing the
 * recovery: the condition can read Available while discovery (what kubectl maps kinds with) still leaves the
 * group out. Ready means both: the condition, and the group served through kube-apiserver's discovery.
 */
async function waitForDiscovery(): Promise<void> {
  await waitForApiService();
  const deadline = Date.now() + 90_000;
  for (;;) {
    const groups = await kubectlOk(['get', '--raw', '/apis/tenancy.kiosk.sh/v1alpha1'], { timeoutMs: 10_000 }).catch(() => '');
    if (groups.includes('"spaces"')) return;
    if (Date.now() > deadline) throw new Error('tenancy.kiosk.sh/v1alpha1 did not come back into discovery within 90 s of the server restarting');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopAll(components: RunningComponent[]): Promise<void> {
  // Reverse start order: our server and the controller manager go before the apiserver, etcd last.
  for (const c of [...components].reverse()) await stopComponent(c);
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and our server, registered through an APIService.
 * A sandbox that is already running is reused as it is. Any failure stops what was started and rethrows.
 */
export async function startSandbox(log: Log): Promise<{ state: SandboxState; reused: boolean }> {
  const paths = sandboxPaths();
  const running = await runningSandbox(paths);
  if (running) return { state: running, reused: true };
  const stale = await readState(paths);
  if (stale) await stopAll(stale.components);

  if (!existsSync(paths.serverEntry)) throw new Error(`${paths.serverEntry} is missing: run \`npm run build\` first`);
  await ensureBinaries(paths);
  await mkdir(paths.logs, { recursive: true });
  const started = Date.now();
  const [etcdClient, etcdPeer, apiserver, controllerManager, server] = await freePorts(5) as [number, number, number, number, number];
  const state: SandboxState = {
    ports: { etcdClient, etcdPeer, apiserver, controllerManager, server },
    components: [],
    startedAt: new Date().toISOString(),
  };
  try {
    const pki = await ensurePki(paths.pki);
    // The webhooks' Service is an ExternalName to 127.0.0.1 on the server's port (registerApiService).
    const admissionConfigFile = await writeAdmissionConfiguration(paths.sandbox, pki, `${SERVER_DNS_NAME}:${state.ports.server}`);
    log('starting etcd, kube-apiserver and kube-controller-manager');
    await startControlPlane({
      bin: paths.bin, pki, ports: state.ports, etcdData: paths.etcdData, logs: paths.logs, admissionConfigFile,
      adminKubeconfig: paths.adminKubeconfig, onStarted: (c) => state.components.push(c),
    });
    await writeState(paths, state);
    log('installing the server identity, registering the APIService and starting the kiosk server');
    await installServerIdentity(paths, state);
    await registerApiService(paths, state);
    await startServer(paths, state);
    await writeState(paths, state);
    log('waiting for the APIService to be Available (the server injects its CA)');
    await waitForApiService();
    log(`sandbox ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return { state, reused: false };
  } catch (err) {
    await stopAll(state.components);
    await rm(paths.state, { force: true });
    throw err;
  }
}

/**
 * A second server process beside the registered one (another port, same identity and control plane), as
 * a second replica would run. Requests reach it directly, with the front-proxy certificate.
 */
export async function startExtraServer(state: SandboxState, extraArgs: string[] = []):
  Promise<{ port: number; pid: number; logFile: string; stop: () => Promise<void> }> {
  const paths = sandboxPaths();
  const [port] = await freePorts(1) as [number];
  const extra: SandboxState = { ...state, ports: { ...state.ports, server: port }, components: [] };
  // Flags after the Deployment's override them (a test raising or lowering a limit).
  const component = await startServer(paths, extra, `kiosk-apiserver-${port}`, extraArgs);
  return { port, pid: component.pid, logFile: component.logFile, stop: () => stopComponent(component) };
}

/**
 * Replaces the running server process with one started from the current build (same port and identity), with
 * the manifests of the current tree applied first (CRDs, RBAC, APIService, webhooks): a reused sandbox must not
 * keep a CRD schema that prunes a new field, or miss a new webhook.
 */
export async function restartServer(state: SandboxState): Promise<void> {
  const paths = sandboxPaths();
  const old = state.components.filter((c) => c.name === 'kiosk-apiserver');
  await stopAll(old);
  state.components = state.components.filter((c) => c.name !== 'kiosk-apiserver');
  await installServerIdentity(paths, state);
  await registerApiService(paths, state);
  await startServer(paths, state);
  await writeState(paths, state);
  await waitForDiscovery();
}

/**
 * Stops kube-apiserver and starts it again with the same flags (same etcd, so no data is lost), as a
 * control-plane upgrade or crash would; resolves once it is ready again.
 */
export async function restartApiserver(state: SandboxState): Promise<void> {
  const paths = sandboxPaths();
  const old = state.components.find((c) => c.name === 'kube-apiserver');
  if (!old) throw new Error('the sandbox has no kube-apiserver to restart');
  await stopComponent(old);
  const pki = pkiFiles(paths.pki);
  const fresh = startComponent({ name: old.name, command: old.command, args: old.args, logFile: old.logFile });
  state.components = state.components.map((c) => (c === old ? fresh : c));
  await writeState(paths, state);
  const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
  await waitReady(fresh, () => probeOk(`https://127.0.0.1:${state.ports.apiserver}/readyz`, tls), 90_000);
}

/** Stops exactly the processes recorded in the state file; a no-op when there is none. */
export async function stopSandbox(): Promise<boolean> {
  const paths = sandboxPaths();
  const state = await readState(paths);
  if (!state) return false;
  await stopAll(state.components);
  await rm(paths.state, { force: true });
  return true;
}
