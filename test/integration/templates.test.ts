// Templates: the walkthrough's "Create templates for spaces" section as written, a failing mandatory
// template, a synced template rolling out changes and pruning, and parameter errors in status.
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { FileSet } from '../support/files.js';
import { eventually } from '../support/sandbox-access.js';
import { REDIS_ACCOUNT_WITH_TEMPLATE, REDIS_MANDATORY_SPACE, TEMPLATE_DEFINITION } from '../support/walkthrough-yaml.js';

const run = Date.now().toString(36);
const files = new FileSet();
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { stdin: yaml });

beforeAll(async () => {
  await kubectl(['delete', 'template', 'space-template', '--ignore-not-found']);
  await kubectl(['delete', 'ns', 'redis-mandatory-space', '--ignore-not-found', '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 });
}, 120_000);

describe('walkthrough: Create templates for spaces', () => {
  it('runs as written', async () => {
    const template = files.write('template-definition.yml', TEMPLATE_DEFINITION);
    expect(await kubectlOk(['apply', '-f', template])).toBe('template.config.kiosk.sh/space-template created\n');
    const account = files.write('redis-account.yml', REDIS_ACCOUNT_WITH_TEMPLATE);
    // "created", or "configured"/"unchanged" when another suite (the e2e walkthrough) applied it first.
    expect(await kubectlOk(['apply', '-f', account])).toMatch(/^account\.tenancy\.kiosk\.sh\/redis-account (created|configured|unchanged)\n$/);
    const space = files.write('redis-mandatory-space.yml', REDIS_MANDATORY_SPACE);
    expect(await kubectlOk(['apply', '-f', space])).toBe('space.tenancy.kiosk.sh/redis-mandatory-space created\n');
    // The space exists only once its mandatory template is deployed: no waiting needed here.
    expect(await kubectlOk(['get', 'limitrange', '-n', 'redis-mandatory-space'])).toMatch(/^container-limit-range\s+\S+$/m);
    const instances = await kubectlOk(['get', 'templateinstances', '-n', 'redis-mandatory-space']);
    expect(instances.split('\n')[0]).toMatch(/^NAME\s+TEMPLATE\s+STATUS\s+AGE$/);
    expect(instances).toMatch(/^space-template-\S+\s+space-template\s+Deployed\s+\S+$/m);
    expect(await eventually(async () => (await kubectl(['get', 'sa', 'default', '-n', 'redis-mandatory-space'])).code === 0, 20_000)).toBe(true);
    expect(await kubectlOk(['run', 'nginx', '--image', 'nginx', '-n', 'redis-mandatory-space', '--restart=Never'])).toBe('pod/nginx created\n');
    const described = await kubectlOk(['describe', 'pod', 'nginx', '-n', 'redis-mandatory-space']);
    expect(described).toMatch(/Limits:\s+cpu:\s+1\s/);
    expect(described).toMatch(/Requests:\s+cpu:\s+500m\s/);
    expect(await kubectlOk(['delete', 'pod', 'nginx', '-n', 'redis-mandatory-space', '--wait=false'])).toBe('pod "nginx" deleted from redis-mandatory-space namespace\n');
  }, 120_000);
});

describe('a mandatory template that cannot be deployed', () => {
  it('fails the space create with the TemplateInstance message and leaves no namespace', async () => {
    const acct = `tp-bad-${run}`;
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}}
resources:
  manifests:
  - apiVersion: v1
    kind: NoSuchKind
    metadata: {name: broken}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  space: {templateInstances: [{spec: {template: ${acct}}}]}
  subjects: [{kind: User, name: tp-user, apiGroup: rbac.authorization.k8s.io}]
`);
    const r = await kubectl(['apply', '-f', '-'], { stdin: `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${acct}-s}\nspec: {account: ${acct}}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`TemplateInstance '${acct}-\\S+' failed with FindObjectMapping: no matches for kind "NoSuchKind" in version "v1"`));
    expect(await eventually(async () => (await kubectl(['get', 'ns', `${acct}-s`])).stderr.includes('not found'), 60_000, 500)).toBe(true);
  }, 90_000);
});

describe('a synced template', () => {
  it('updates the objects in every space and prunes one the template no longer has', async () => {
    const acct = `tp-sync-${run}`;
    const template = (second: boolean, value: string) => `apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}}
resources:
  manifests:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings}
    data: {color: ${value}}
${second ? '  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: extra}\n    data: {a: b}\n' : ''}`;
    await apply(template(true, 'blue'));
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  space: {templateInstances: [{spec: {template: ${acct}, sync: true}}]}
  subjects: [{kind: User, name: tp-user, apiGroup: rbac.authorization.k8s.io}]
`);
    const spaces = [`${acct}-a`, `${acct}-b`];
    for (const s of spaces) await apply(`apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${s}}\nspec: {account: ${acct}}\n`);
    for (const s of spaces) expect(await kubectlOk(['get', 'configmap', 'extra', '-n', s, '-o', 'name'])).toBe('configmap/extra\n');
    await apply(template(false, 'green'));
    for (const s of spaces) {
      expect(await eventually(async () => (await kubectlOk(['get', 'configmap', 'settings', '-n', s, '-o', 'jsonpath={.data.color}'])) === 'green', 10_000)).toBe(true);
      expect(await eventually(async () => (await kubectl(['get', 'configmap', 'extra', '-n', s])).stderr.includes('not found'), 10_000)).toBe(true);
    }
  }, 90_000);
});

describe('parameters', () => {
  const acct = `tp-par-${run}`;
  beforeAll(async () => {
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}}
parameters:
- {name: SIZE, required: true, validation: '^[0-9]+$'}
resources:
  manifests:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: sized}
    data: {size: '\${SIZE}', namespace: '\${NAMESPACE}'}
`);
    await kubectlOk(['create', 'ns', `${acct}-ns`]);
  });
  const instance = (name: string, params: string) => `apiVersion: config.kiosk.sh/v1alpha1
kind: TemplateInstance
metadata: {name: ${name}, namespace: ${acct}-ns}
spec: {template: ${acct}, parameters: ${params}}
`;
  const statusOf = async (name: string) => JSON.parse(await kubectlOk(['get', 'templateinstance', name, '-n', `${acct}-ns`, '-o', 'jsonpath={.status}']) || '{}') as { status?: string; reason?: string; message?: string };

  it.each([
    ['missing', '[]', 'parameter SIZE is required but was not found in template instance'],
    ['mismatch', '[{name: SIZE, value: big}]', 'parameter SIZE value big does not match validation pattern ^[0-9]+$'],
    ['undeclared', '[{name: SIZE, value: "3"}, {name: COLOR, value: red}]', `parameter COLOR does not exist in template ${acct}`],
  ])('%s parameter: Kiosk\'s message in status', async (name, params, message) => {
    await apply(instance(name, params));
    expect(await eventually(async () => (await statusOf(name)).status === 'Failed', 10_000)).toBe(true);
    expect(await statusOf(name)).toMatchObject({ status: 'Failed', reason: 'ErrorValidatingParameters', message });
  });

  it('a catastrophic validation pattern fails the instance promptly while the server keeps answering', async () => {
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}-redos}
parameters:
- {name: WORD, validation: '^(a+)+$'}
- {name: COSTLY, validation: '(a?){1000}a{1000}'}
resources:
  manifests:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: redos}, data: {word: '\${WORD}'}}
`);
    const word = `${'a'.repeat(40)}!`;
    // A backtracking engine needs 2^40 steps for this one; RE2 semantics decide it at once.
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: TemplateInstance
metadata: {name: redos, namespace: ${acct}-ns}
spec: {template: ${acct}-redos, parameters: [{name: WORD, value: '${word}'}]}
`);
    // A minute of work even in linear time (16,000 characters took 4 s): stopped at the matcher's 5 s
    // deadline, off the event loop. Created, not applied: the last-applied annotation could not hold it.
    await kubectlOk(['create', '-f', '-'], { stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: TemplateInstance
metadata: {name: costly, namespace: ${acct}-ns}
spec: {template: ${acct}-redos, parameters: [{name: COSTLY, value: '${`${'a'.repeat(999)}b`.repeat(1000)}'}]}
` });
    expect(await kubectlOk(['get', 'spaces', '-o', 'name'])).toBeDefined();
    expect(await kubectlOk(['get', 'templateinstance', 'costly', '-n', `${acct}-ns`, '-o', 'name'])).toBe('templateinstance.config.kiosk.sh/costly\n');
    expect(await eventually(async () => (await statusOf('redos')).status === 'Failed', 10_000)).toBe(true);
    expect(await statusOf('redos')).toMatchObject({
      status: 'Failed', reason: 'ErrorValidatingParameters', message: `parameter WORD value ${word} does not match validation pattern ^(a+)+$`,
    });
    expect(await eventually(async () => (await statusOf('costly')).status === 'Failed', 60_000, 500)).toBe(true);
    expect(await statusOf('costly')).toMatchObject({
      status: 'Failed', reason: 'ErrorValidatingParameters',
      message: 'match string: validation pattern (a?){1000}a{1000} on the 1000000-character value of parameter COSTLY: matching did not finish within 5s',
    });
    // Failed instances are retried with backoff: this one would cost the matcher 5 s a time.
    await kubectlOk(['delete', 'templateinstance', 'costly', 'redos', '-n', `${acct}-ns`]);
  }, 90_000);

  it('renders a valid instance', async () => {
    await apply(instance('ok', '[{name: SIZE, value: "3"}]'));
    expect(await eventually(async () => (await statusOf('ok')).status === 'Deployed', 10_000)).toBe(true);
    expect(await kubectlOk(['get', 'configmap', 'sized', '-n', `${acct}-ns`, '-o', 'jsonpath={.data}'])).toBe(JSON.stringify({ namespace: `${acct}-ns`, size: '3' }));
  });

  it('deleting the instance removes what it created', async () => {
    await kubectlOk(['delete', 'templateinstance', 'ok', '-n', `${acct}-ns`]);
    expect(await eventually(async () => (await kubectl(['get', 'configmap', 'sized', '-n', `${acct}-ns`])).stderr.includes('not found'), 60_000, 500)).toBe(true);
  }, 90_000);

  it('sets no owner references when the instance is annotated no-owner, as Kiosk does', async () => {
    await kubectlOk(['create', 'ns', `${acct}-free`]);
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: TemplateInstance
metadata:
  name: free
  namespace: ${acct}-free
  annotations: {templateinstance.config.kiosk.sh/no-owner: "true"}
spec: {template: ${acct}, parameters: [{name: SIZE, value: "4"}]}
`);
    const status = async () => (await kubectl(['get', 'templateinstance', 'free', '-n', `${acct}-free`, '-o', 'jsonpath={.status.status}'])).stdout;
    expect(await eventually(async () => (await status()) === 'Deployed', 10_000)).toBe(true);
    expect(await kubectlOk(['get', 'configmap', 'sized', '-n', `${acct}-free`, '-o', 'jsonpath={.data.size}|{.metadata.ownerReferences}'])).toBe('4|');
  });
});

describe('roll-out to existing spaces', () => {
  it('gives existing spaces an instance of a template the account gains', async () => {
    const acct = `tp-roll-${run}`;
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}}
resources:
  manifests:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: rolled}, data: {a: b}}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  subjects: [{kind: User, name: tp-user, apiGroup: rbac.authorization.k8s.io}]
`);
    // An existing namespace adopted into the account, older than a space still being created.
    const ns = `${acct}-old`;
    await kubectlOk(['create', 'ns', ns]);
    await kubectlOk(['annotate', 'ns', ns, 'kiosk.sh/test=rollout']);
    await kubectlOk(['label', 'ns', ns, `kiosk.sh/account=${acct}`]);
    await apply(`apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  space: {templateInstances: [{spec: {template: ${acct}}}]}
  subjects: [{kind: User, name: tp-user, apiGroup: rbac.authorization.k8s.io}]
`);
    // Rolled out at once (it carries no creating mark), while it keeps the binding it had.
    expect(await eventually(async () => (await kubectl(['get', 'configmap', 'rolled', '-n', ns])).code === 0, 150_000, 2_000)).toBe(true);
  }, 180_000);
});
