// An Account's spec.policy on the sandbox: every rule refused through kube-apiserver with its exact message and a
// compliant object admitted, the nodeSelector defaulted by the mutating webhook, a Deployment's ReplicaSet showing
// the denial, the Warning Event on the namespace, pods older than the policy still manageable, an Account without
// policy unchanged, and bad policies refused with field causes. The sandbox has no nodes: pods stay Pending.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { eventually } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const acct = `pol-${run}`;
const ns = `${acct}-s`;
const tenant = `${acct}-user`;
const [allowedPriority, otherPriority] = [`tenant-${run}`, `other-${run}`];
const openAcct = `pol-open-${run}`;
const openNs = `${openAcct}-s`;

const asTenant = (yaml: string, ...args: string[]) => kubectl(['apply', '-f', '-', `--as=${tenant}`, ...args], { stdin: yaml });
const denied = (hook: string, message: string) => `admission webhook "${hook}" denied the request: ${message}`;

const pod = (name: string, namespace: string, spec: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`;
const container = (image: string) => `  containers:\n  - {name: app, image: "${image}"}\n`;
const GOOD_IMAGE = 'registry.example.com/team/web:1.0';

const account = (name: string, policy: string) => `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${name}}
spec:
  subjects: [{kind: User, name: ${tenant}, apiGroup: rbac.authorization.k8s.io}]
${policy}`;

interface CoreEvent { type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }
const eventsIn = async (namespace: string) => (JSON.parse(await kubectlOk(['get', 'events', '-n', namespace, '-o', 'json'])) as { items: CoreEvent[] }).items;

/** A Space of the account, usable by the tenant once its default ServiceAccount and RoleBinding exist. */
async function space(name: string, owner: string): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], { stdin: `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${name}}\nspec: {account: ${owner}}\n` });
  const ready = await eventually(async () => (await kubectl(['get', 'sa', 'default', '-n', name])).code === 0
    && (await kubectl(['auth', 'can-i', 'create', 'pods', '-n', name, `--as=${tenant}`])).stdout.trim() === 'yes', 30_000, 200);
  if (!ready) throw new Error(`space ${name} is not ready for ${tenant} after 30 s`);
}

beforeAll(async () => {
  await kubectlOk(['apply', '-f', '-'], {
    stdin: [allowedPriority, otherPriority].map((p) => `apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: ${p}}\nvalue: 100\n`).join('---\n'),
  });
  // Through tenancy.kiosk.sh: the view's schema takes spec.policy as the CRD does.
  await kubectlOk(['apply', '-f', '-'], {
    stdin: account(acct, `  policy:
    allowedRegistries: ["registry.example.com/"]
    allowedStorageClasses: ["gp3"]
    allowedIngressClasses: ["nginx"]
    allowedPriorityClasses: ["${allowedPriority}", ""]
    nodeSelector: {pool: tenants}
`),
  });
  await kubectlOk(['apply', '-f', '-'], { stdin: account(openAcct, '') });
  await space(ns, acct);
  await space(openNs, openAcct);
}, 90_000);

afterAll(async () => {
  await kubectl(['delete', 'priorityclass', allowedPriority, otherPriority, '--ignore-not-found']);
});

describe('images', () => {
  it('refuses an image from another registry (containers and initContainers) and admits an allowed one', async () => {
    const r = await asTenant(pod('bad-image', ns, container('docker.io/nginx')));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(denied('policy.kiosk.sh',
      `pods "bad-image" is forbidden: image "docker.io/nginx" is not allowed in account ${acct} (allowed registries: registry.example.com/)`));
    const init = await asTenant(pod('bad-init', ns, `${container(GOOD_IMAGE)}  initContainers:\n  - {name: init, image: busybox}\n`));
    expect(init.stderr).toContain(`pods "bad-init" is forbidden: image "busybox" is not allowed in account ${acct}`);
    // A look-alike host does not pass the prefix.
    const lookalike = await asTenant(pod('lookalike', ns, container('registry.example.com.evil.io/x')));
    expect(lookalike.stderr).toContain(`image "registry.example.com.evil.io/x" is not allowed in account ${acct}`);
    const ok = await asTenant(pod('good', ns, container(GOOD_IMAGE)));
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('judges an UPDATE only on a changed image: the pod can be labelled, not moved to a refused image', async () => {
    expect((await kubectl(['label', 'pod', 'good', '-n', ns, 'tier=web', `--as=${tenant}`])).code).toBe(0);
    const changed = await kubectl(['set', 'image', 'pod/good', '-n', ns, 'app=docker.io/nginx', `--as=${tenant}`]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(denied('policy.kiosk.sh', `pods "good" is forbidden: image "docker.io/nginx" is not allowed in account ${acct}`));
  });

  it('refuses an ephemeral container with a refused image', async () => {
    const r = await kubectl(['debug', 'good', '-n', ns, '--image=busybox', '--container=dbg']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`pods "good" is forbidden: image "busybox" is not allowed in account ${acct}`);
  });

  it('shows the denial in the events of a Deployment\'s ReplicaSet (FailedCreate), with the generated pod name', async () => {
    const r = await asTenant(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx}
`);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // The ReplicaSet controller's message names the pod by the name kube-apiserver generated for it.
    const [before, after] = [`Error creating: ${denied('policy.kiosk.sh', 'pods "web-')}`,
      `" is forbidden: image "nginx" is not allowed in account ${acct} (allowed registries: registry.example.com/)`];
    const failure = (m: string) => m.startsWith(before) && m.endsWith(after) && /^[a-z0-9]+-[a-z0-9]{5}$/.test(m.slice(before.length, -after.length));
    const shown = async () => (await eventsIn(ns)).some((e) => e.involvedObject.kind === 'ReplicaSet' && e.reason === 'FailedCreate' && failure(e.message));
    expect(await eventually(shown, 30_000, 500)).toBe(true);
    expect((await kubectlOk(['get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'name'])).trim()).toBe('');
  }, 60_000);
});

describe('node selector', () => {
  it('is added to a pod that lacks it, kept alongside the pod\'s own entries', async () => {
    expect(JSON.parse(await kubectlOk(['get', 'pod', 'good', '-n', ns, '-o', 'jsonpath={.spec.nodeSelector}']))).toEqual({ pool: 'tenants' });
    const own = await asTenant(pod('zoned', ns, `${container(GOOD_IMAGE)}  nodeSelector: {zone: a}\n`));
    expect(own.code).toBe(0);
    expect(JSON.parse(await kubectlOk(['get', 'pod', 'zoned', '-n', ns, '-o', 'jsonpath={.spec.nodeSelector}']))).toEqual({ pool: 'tenants', zone: 'a' });
  });

  it('refuses a pod asking for another value', async () => {
    const r = await asTenant(pod('elsewhere', ns, `${container(GOOD_IMAGE)}  nodeSelector: {pool: other}\n`));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(denied('policy.kiosk.sh', `pods "elsewhere" is forbidden: node selector pool=other conflicts with pool=tenants required in account ${acct}`));
  });
});

describe('priority, storage and ingress classes', () => {
  it('refuses a priority class not listed and admits a listed one ("" in the list: pods naming none pass too)', async () => {
    const r = await asTenant(pod('urgent', ns, `${container(GOOD_IMAGE)}  priorityClassName: ${otherPriority}\n`));
    expect(r.stderr).toContain(denied('policy.kiosk.sh',
      `pods "urgent" is forbidden: priority class "${otherPriority}" is not allowed in account ${acct} (allowed priority classes: ${allowedPriority}, "")`));
    const ok = await asTenant(pod('ranked', ns, `${container(GOOD_IMAGE)}  priorityClassName: ${allowedPriority}\n`));
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('refuses a PVC of another storage class, or of none, and admits a listed one', async () => {
    const pvc = (name: string, storageClass?: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, namespace: ${ns}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
${storageClass ? `  storageClassName: ${storageClass}\n` : ''}`;
    const r = await asTenant(pvc('data', 'standard'));
    expect(r.stderr).toContain(denied('policy.kiosk.sh',
      'persistentvolumeclaims "data" is forbidden: storage class "standard" is not allowed in account ' + `${acct} (allowed storage classes: gp3)`));
    // The sandbox has no default StorageClass, so nothing fills the class in: judged as "".
    const none = await asTenant(pvc('classless'));
    expect(none.stderr).toContain(`persistentvolumeclaims "classless" is forbidden: storage class "" is not allowed in account ${acct}`);
    const ok = await asTenant(pvc('data', 'gp3'));
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('refuses an Ingress of another class (field or annotation) and admits a listed one', async () => {
    const ingress = (name: string, classField: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${name}, namespace: ${ns}${classField.startsWith('annotation:') ? `, annotations: {kubernetes.io/ingress.class: ${classField.slice(11)}}` : ''}}
spec:
${classField.startsWith('annotation:') ? '' : `  ingressClassName: ${classField}\n`}  defaultBackend: {service: {name: web, port: {number: 80}}}
`;
    const r = await asTenant(ingress('web', 'traefik'));
    expect(r.stderr).toContain(denied('policy.kiosk.sh',
      `ingresses.networking.k8s.io "web" is forbidden: ingress class "traefik" is not allowed in account ${acct} (allowed ingress classes: nginx)`));
    const annotated = await asTenant(ingress('legacy', 'annotation:traefik'));
    expect(annotated.stderr).toContain(`ingresses.networking.k8s.io "legacy" is forbidden: ingress class "traefik" is not allowed in account ${acct}`);
    const ok = await asTenant(ingress('web', 'nginx'));
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('what a refusal leaves', () => {
  it('a Warning PolicyViolation Event on the namespace', async () => {
    const warned = async () => (await eventsIn(ns)).some((e) => e.involvedObject.kind === 'Namespace' && e.involvedObject.name === ns
      && e.type === 'Warning' && e.reason === 'PolicyViolation'
      && e.message === `pods: image "docker.io/nginx" is not allowed in account ${acct} (allowed registries: registry.example.com/)`);
    expect(await eventually(warned, 30_000, 500)).toBe(true);
  }, 40_000);

  it('a server-side dry run is refused with the same message', async () => {
    const r = await asTenant(pod('dry', ns, container('docker.io/nginx')), '--dry-run=server');
    expect(r.stderr).toContain(denied('policy.kiosk.sh', `pods "dry" is forbidden: image "docker.io/nginx" is not allowed in account ${acct}`));
  });
});

describe('an Account without policy, and one that gains a policy', () => {
  it('admits anything and adds no nodeSelector; once a policy is set, older pods stay labelable and deletable', async () => {
    const r = await asTenant(pod('old', openNs, container('nginx')));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await kubectlOk(['get', 'pod', 'old', '-n', openNs, '-o', 'jsonpath={.spec.nodeSelector}'])).toBe('');
    // Set as the stored object (config.kiosk.sh), as GitOps would.
    await kubectlOk(['patch', 'accounts.config.kiosk.sh', openAcct, '--type=merge', '-p', '{"spec":{"policy":{"allowedRegistries":["registry.example.com/"]}}}']);
    const refused = async () => (await asTenant(pod('new', openNs, container('nginx')))).stderr.includes(`image "nginx" is not allowed in account ${openAcct}`);
    expect(await eventually(refused, 10_000, 200)).toBe(true);
    expect((await kubectl(['label', 'pod', 'old', '-n', openNs, 'legacy=yes', `--as=${tenant}`])).code).toBe(0);
    expect((await kubectl(['delete', 'pod', 'old', '-n', openNs, '--grace-period=0', '--force', `--as=${tenant}`])).code).toBe(0);
  }, 40_000);
});

describe('a malformed policy is refused with field causes', () => {
  it('through tenancy.kiosk.sh and as a config.kiosk.sh object', async () => {
    const bad = await kubectl(['apply', '-f', '-'], { stdin: account(`pol-bad-${run}`, '  policy: {allowedRegistries: [""]}\n') });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('spec.policy.allowedRegistries[0]: Required value: an empty prefix would allow every image');
    const label = await kubectl(['apply', '-f', '-'], {
      stdin: `apiVersion: config.kiosk.sh/v1alpha1\nkind: Account\nmetadata: {name: pol-bad-${run}}\nspec: {policy: {nodeSelector: {"bad key!": x}}}\n`,
    });
    expect(label.code).toBe(1);
    // kubectl prints a 422 with causes as "The <Kind> ... is invalid", without the webhook's prefix; the CRD schema
    // does not check label keys, so this is validate-account's.
    expect(label.stderr).toContain(`The Account "pol-bad-${run}" is invalid: spec.policy.nodeSelector: Invalid value: "bad key!": name part must consist`);
  });
});
