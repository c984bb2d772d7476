// The install a cluster admin runs: manifests/ (kustomize) and the Helm chart render the same objects,
// helm lint is clean, values.schema.json and kubeVersion refuse what the chart cannot install, and
// kube-apiserver accepts every object (server-side dry run on the sandbox).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';
import { deploymentArgs } from '../cluster/sandbox.js';
import { helm } from '../support/helm.js';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { template?: { metadata?: { labels?: Record<string, string> } } };
}

const manifests = () => sandboxPaths().manifests;
const chart = () => join(manifests(), 'chart');
/** The labels Helm adds to every object of a release; manifests/ carries only app.kubernetes.io/name. */
const HELM_LABELS = ['app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/version', 'helm.sh/chart'];
/** Kinds of CRDs the sandbox does not have (cert-manager, prometheus-operator): not sent to the dry run. */
const FOREIGN_GROUPS = ['cert-manager.io/', 'monitoring.coreos.com/'];

const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function withoutHelmLabels(o: K8sObject): K8sObject {
  const copy = structuredClone(o);
  for (const label of HELM_LABELS) delete copy.metadata.labels?.[label];
  return copy;
}

async function renderKustomize(): Promise<K8sObject[]> {
  // js-yaml, not client-node's loadAllYaml: that one maps fields to its models (x-kubernetes-* renamed).
  return loadAll(await kubectlOk(['kustomize', manifests()])) as K8sObject[];
}

/** manifests/ with its opt-in components, as an admin's own kustomization adds them (paths must be relative). */
async function renderKustomizeWith(components: string[]): Promise<K8sObject[]> {
  const dir = await mkdtemp(join(tmpdir(), 'kiosk-kustomize-'));
  try {
    const base = relative(dir, manifests());
    await writeFile(join(dir, 'kustomization.yaml'), `resources: [${base}]\ncomponents: [${components.map((c) => `${base}/${c}`).join(', ')}]\n`);
    return loadAll(await kubectlOk(['kustomize', dir])) as K8sObject[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The sandbox's kube-apiserver version (v1.36.3), as kubectl reports it. Every render names it: `helm install`
 * asks the cluster, but `helm template` and `helm lint` assume a version compiled into helm, which for the helm
 * built by build-binaries.sh (without Helm's Makefile ldflags) is v1.20.0, below the chart's kubeVersion.
 */
let sandboxGitVersion: string | undefined;
async function sandboxVersion(): Promise<string> {
  sandboxGitVersion ??= (JSON.parse(await kubectlOk(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion;
  return sandboxGitVersion;
}

async function renderChart(...sets: string[]): Promise<{ objects: K8sObject[]; yaml: string }> {
  const r = await helm(['template', 'kiosk', chart(), '--namespace', 'kiosk-system', '--include-crds', '--kube-version', await sandboxVersion(),
    ...sets.flatMap((s) => ['--set', s])]);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return { objects: (loadAll(r.stdout) as Array<K8sObject | null>).filter((o): o is K8sObject => o !== null), yaml: r.stdout };
}

async function dryRunServer(yaml: string): Promise<void> {
  const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], { stdin: yaml });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
}

const isForeign = (o: K8sObject) => FOREIGN_GROUPS.some((g) => o.apiVersion.startsWith(g));

/** The server-side dry run of every object whose CRD the sandbox has (not cert-manager's, not prometheus-operator's). */
async function dryRunOwn(objects: K8sObject[]): Promise<void> {
  await dryRunServer(objects.filter((o) => !isForeign(o)).map((o) => JSON.stringify(o)).join('\n---\n'));
}

/** Both installs' objects side by side: the same keys (but the Namespace, which is helm --create-namespace) and contents. */
function expectSameObjects(fromKustomize: K8sObject[], fromChart: K8sObject[]): void {
  const kustomized = new Map(fromKustomize.map((o) => [key(o), o]));
  const charted = new Map(fromChart.map((o) => [key(o), withoutHelmLabels(o)]));
  expect([...kustomized.keys()].filter((k) => !charted.has(k))).toEqual(['Namespace//kiosk-system']);
  expect([...charted.keys()].filter((k) => !kustomized.has(k))).toEqual([]);
  for (const [k, o] of charted) expect({ k, o }).toEqual({ k, o: kustomized.get(k) });
}

/**
 * `helm template` with these --set values (for the sandbox's version unless the flags name one), not thrown on
 * failure: the schema and kubeVersion tests read its error.
 */
async function template(sets: string[], ...flags: string[]) {
  const version = flags.includes('--kube-version') ? [] : ['--kube-version', await sandboxVersion()];
  return helm(['template', 'kiosk', chart(), '--namespace', 'kiosk-system', ...version, ...flags, ...sets.flatMap((s) => ['--set', s])]);
}

/** Helm's prefix of a values.schema.json refusal (the lines after it name each offending key). */
const SCHEMA_REFUSAL = "values don't meet the specifications of the schema(s) in the following chart(s)";

/** Every documented mode of the chart (values.yaml, README), each of which must lint, render and dry-run clean. */
const MODES: string[][] = [
  [],
  ['certificates.mode=cert-manager'],
  ['metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true', 'metrics.prometheusRule.labels.release=kube-prometheus-stack'],
  ['networkPolicy.enabled=true', 'webhookAuthentication.enabled=true'],
  // allowedNames=null: no name list, any CN (--set cannot write an empty list: `{}` is a list of one empty string).
  ['certificates.mode=cert-manager', 'metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true',
    'networkPolicy.enabled=true', 'webhookAuthentication.enabled=true', 'webhookAuthentication.allowedNames=null', 'replicaCount=1',
    'watches.max=0', 'watches.maxPerUser=0', 'podDisruptionBudget.minAvailable=50%', 'reservedPrefixes={example.com/,team-}'],
];

describe('installing on a real cluster', () => {
  it('helm lint finds nothing to warn about, and the server accepts the objects, in every documented mode', async () => {
    for (const sets of MODES) {
      const r = await helm(['lint', chart(), '--kube-version', await sandboxVersion(), ...sets.flatMap((s) => ['--set', s])]);
      expect({ sets, code: r.code, warnings: r.stdout.split('\n').filter((l) => /\[(WARNING|ERROR)\]/.test(l)) }).toEqual({ sets, code: 0, warnings: [] });
      expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      await dryRunOwn((await renderChart(...sets)).objects);
    }
  });

  it('passes reservedPrefixes to the server as --reserved-prefixes, and nothing without them', async () => {
    const args = (objects: K8sObject[]) => (objects.find((o) => o.kind === 'Deployment') as unknown as
      { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }).spec.template.spec.containers[0]?.args ?? [];
    expect(args((await renderChart('reservedPrefixes={example.com/,team-}')).objects)).toContain('--reserved-prefixes=example.com/,team-');
    expect(args((await renderChart()).objects).filter((a) => a.startsWith('--reserved-prefixes'))).toEqual([]);
  });

  it('values.schema.json refuses a wrong type, an unknown mode and an unknown key, naming the key', async () => {
    const refusals: Array<[string[], RegExp]> = [
      [['replicaCount=zero'], /replicaCount/],
      [['replicaCount=0'], /replicaCount/],
      [['certificates.mode=openssl'], /certificates\/mode|certificates\.mode/],
      [['replicas=3'], /replicas/],
      [['metrics.serviceMonitor.enable=true'], /enable\b/],
      [['watches.max=-1'], /watches\/max|watches\.max/],
      [['maxOldSpaceSizeMiB=0'], /maxOldSpaceSizeMiB/],
      [['metrics.prometheusRule.enabled=yes'], /prometheusRule\/enabled|prometheusRule\.enabled/],
      [['reservedPrefixes=example.com/'], /reservedPrefixes/],
    ];
    for (const [sets, names] of refusals) {
      const r = await template(sets);
      expect({ sets, code: r.code, schema: r.stderr.includes(SCHEMA_REFUSAL), names: names.test(r.stderr), stderr: r.stderr })
        .toEqual({ sets, code: 1, schema: true, names: true, stderr: r.stderr });
    }
    // The template's own check still stands behind the schema (helm --skip-schema-validation).
    const bad = await template(['certificates.mode=openssl'], '--skip-schema-validation');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('certificates.mode must be self-signed or cert-manager, not "openssl"');
  });

  it('kubeVersion refuses a Kubernetes without GA CEL validation, and takes the sandbox\'s and vendors\' versions', async () => {
    for (const version of [await sandboxVersion(), 'v1.29.0', 'v1.30.0-eks-xyz', 'v1.30.5-gke.1014001', 'v1.29.0-rc.1']) {
      const r = await template([], '--kube-version', version);
      expect({ version, code: r.code, stderr: r.stderr }).toEqual({ version, code: 0, stderr: '' });
    }
    for (const version of ['v1.28.15', 'v1.28.3-eks-abc']) {
      const r = await template([], '--kube-version', version);
      expect({ version, code: r.code }).toEqual({ version, code: 1 });
      // Helm names the version without its pre-release part.
      expect(r.stderr).toContain(`chart requires kubeVersion: >= 1.29.0-0 which is incompatible with Kubernetes ${version.replace(/-.*$/, '')}\n`);
    }
  });

  it('the chart and manifests/ render the same objects (the Namespace is helm --create-namespace)', async () => {
    const fromKustomize = await renderKustomize();
    const { objects: fromChart } = await renderChart();
    expectSameObjects(fromKustomize, fromChart);
    // Every object a release creates carries the release's labels, so `helm uninstall` and selectors find them.
    for (const o of fromChart.filter((x) => x.kind !== 'CustomResourceDefinition')) {
      expect({ k: key(o), instance: o.metadata.labels?.['app.kubernetes.io/instance'] }).toEqual({ k: key(o), instance: 'kiosk' });
    }
  });

  it('the opt-in self-fencing and webhook authentication render the same from both installs, and are accepted', async () => {
    const fromKustomize = await renderKustomizeWith(['network-policy', 'webhook-authentication']);
    const { objects: fromChart, yaml } = await renderChart('networkPolicy.enabled=true', 'webhookAuthentication.enabled=true');
    expectSameObjects(fromKustomize, fromChart);
    const charted = new Map(fromChart.map((o) => [key(o), withoutHelmLabels(o)]));
    expect([...charted.keys()].filter((k) => /NetworkPolicy|network-policy|endpoints-reader/.test(k)).sort()).toEqual([
      'NetworkPolicy/kiosk-system/kiosk-apiserver',
      'Role/default/kiosk:apiserver-endpoints-reader', 'Role/kiosk-system/kiosk:network-policy-fence',
      'RoleBinding/default/kiosk:apiserver-endpoints-reader', 'RoleBinding/kiosk-system/kiosk:network-policy-fence',
    ]);
    const args = (charted.get('Deployment/kiosk-system/kiosk') as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } })
      .spec.template.spec.containers[0]!.args;
    expect(args).toEqual(expect.arrayContaining(['--self-fencing-network-policy=kiosk-apiserver',
      '--admission-client-ca-file=/etc/kiosk/admission-client-ca/ca.crt', '--admission-allowed-names=kube-apiserver-admission']));
    await dryRunServer(yaml);
  });

  it('the opt-in PrometheusRule renders the same from both installs, with the release\'s and the given labels', async () => {
    const fromKustomize = await renderKustomizeWith(['prometheus-rule']);
    const { objects: fromChart } = await renderChart('metrics.prometheusRule.enabled=true');
    expectSameObjects(fromKustomize, fromChart);
    expect(fromChart.filter(isForeign).map(key)).toEqual(['PrometheusRule/kiosk-system/kiosk']);
    expect((await renderChart()).objects.filter(isForeign)).toEqual([]);
    const { objects: labelled } = await renderChart('metrics.prometheusRule.enabled=true', 'metrics.prometheusRule.labels.release=kube-prometheus-stack');
    expect(labelled.find((o) => o.kind === 'PrometheusRule')?.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'kiosk', release: 'kube-prometheus-stack' });
    // Helm passed Prometheus' own templates through untouched.
    const rule = fromChart.find((o) => o.kind === 'PrometheusRule') as unknown as { spec: { groups: Array<{ rules: Array<{ annotations: { description: string } }> }> } };
    expect(rule.spec.groups.flatMap((g) => g.rules).some((r) => r.annotations.description.includes('{{ $labels.instance }}'))).toBe(true);
    // The sandbox has no prometheus-operator: everything else of that install goes to the dry run.
    await dryRunOwn(fromKustomize);
  });

  it('kube-apiserver accepts every object of both installs (server-side dry run)', async () => {
    const r = await kubectl(['apply', '--dry-run=server', '-k', manifests()]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain('deployment.apps/kiosk created (server dry run)');
    await dryRunServer((await renderChart()).yaml);
  });

  it('cert-manager mode mounts the issued Secret instead of making one, and annotates for CA injection', async () => {
    const { objects } = await renderChart('certificates.mode=cert-manager', 'metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true',
      'replicaCount=3', 'logLevel=4');
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { replicas: number; template: { spec: { containers: Array<{ args: string[] }>; volumes: Array<{ name: string; secret?: { secretName: string } }> } } };
    };
    expect(deployment.spec.replicas).toBe(3);
    const args = deployment.spec.template.spec.containers[0]!.args;
    expect(args).toEqual(expect.arrayContaining(['--tls-cert-file=/etc/kiosk/tls/tls.crt', '--tls-private-key-file=/etc/kiosk/tls/tls.key', '--v=4']));
    expect(args.some((a) => a.startsWith('--cert-secret') || a.startsWith('--ca-bundle'))).toBe(false);
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'serving-cert', secret: { secretName: 'kiosk-serving-cert' } });
    for (const kind of ['APIService', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
      expect(objects.find((o) => o.kind === kind)?.metadata.annotations).toEqual({ 'cert-manager.io/inject-ca-from': 'kiosk-system/kiosk-serving' });
    }
    expect(objects.filter(isForeign).map(key).sort()).toEqual([
      'Certificate/kiosk-system/kiosk-ca', 'Certificate/kiosk-system/kiosk-serving', 'Issuer/kiosk-system/kiosk-ca', 'Issuer/kiosk-system/kiosk-selfsigned',
      'PrometheusRule/kiosk-system/kiosk', 'ServiceMonitor/kiosk-system/kiosk',
    ]);
    // The sandbox has neither cert-manager nor prometheus-operator: everything else goes to the dry run.
    await dryRunOwn(objects);
  });

  it('the sandbox runs the server with the Deployment\'s own args', async () => {
    const { objects } = await renderChart();
    const container = (objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } })
      .spec.template.spec.containers[0]!;
    const sandboxArgs = await deploymentArgs(sandboxPaths());
    expect(sandboxArgs).toEqual(container.args.map((a) => a.replace('$(POD_NAMESPACE)', 'kiosk-system')));
    expect(sandboxArgs).toContain('--cert-secret=kiosk-serving-cert');
  });
});
