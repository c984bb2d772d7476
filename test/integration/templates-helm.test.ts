// A Template with resources.helm: a chart from a repository served on 127.0.0.1 by this test, rendered
// with the helm binary built into the binary cache, deployed into a new space.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';

const run = Date.now().toString(36);
let dir: string;
let server: Server;
let repoUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chart-repo-'));
  const chart = join(dir, 'src', 'greeter');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  // A kubeVersion the chart needs, as charts declare it: helm refuses to render for an older cluster.
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: greeter\nversion: 0.1.0\nkubeVersion: ">= 1.29.0-0"\n');
  writeFileSync(join(chart, 'values.yaml'), 'greeting: hi\ncolor: grey\n');
  writeFileSync(join(chart, 'templates', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  color: {{ .Values.color | quote }}\n  namespace: {{ .Release.Namespace | quote }}\n  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}\n');
  const helm = join(sandboxPaths().bin, 'helm');
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  const env = { ...process.env, HELM_CACHE_HOME: join(dir, 'h'), HELM_CONFIG_HOME: join(dir, 'h'), HELM_DATA_HOME: join(dir, 'h') };
  execFileSync(helm, ['package', chart, '--destination', repo], { env });
  server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(repo, (req.url ?? '/').replace(/^\//, '').replace(/\.\./g, ''))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  repoUrl = `http://127.0.0.1:${port}`;
  execFileSync(helm, ['repo', 'index', repo, '--url', repoUrl], { env });
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a Helm template', () => {
  it('deploys a chart from a loopback repository into a new space, with parameters in its values', async () => {
    const acct = `th-${run}`;
    await kubectlOk(['apply', '-f', '-'], {
      stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}}
parameters:
- {name: GREETING, value: hello}
resources:
  helm:
    releaseName: app
    chart:
      repository: {name: greeter, repoUrl: "${repoUrl}", version: 0.1.0}
    values: |
      greeting: \${GREETING} from \${NAMESPACE}
    setValues:
    - {name: color, value: blue}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec:
  space: {templateInstances: [{spec: {template: ${acct}}}]}
  subjects: [{kind: User, name: th-user, apiGroup: rbac.authorization.k8s.io}]
`,
    });
    const space = `${acct}-s`;
    const created = await kubectl(['apply', '-f', '-'], { stdin: `apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${space}}\nspec: {account: ${acct}}\n` });
    expect(created.stderr).toBe('');
    const data = JSON.parse(await kubectlOk(['get', 'configmap', 'app-greeting', '-n', space, '-o', 'jsonpath={.data}'])) as unknown;
    // Rendered for the cluster it is deployed to, not for the version helm was built for.
    const version = (JSON.parse(await kubectlOk(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion;
    expect(data).toEqual({ greeting: `hello from ${space}`, color: 'blue', namespace: space, kubeVersion: version });
    const owner = JSON.parse(await kubectlOk(['get', 'configmap', 'app-greeting', '-n', space, '-o', 'jsonpath={.metadata.ownerReferences}'])) as unknown[];
    expect(owner[0]).toMatchObject({ kind: 'TemplateInstance', controller: true });
  }, 120_000);

  it('fails with Kiosk\'s message when the repository URL is missing', async () => {
    const acct = `th-bad-${run}`;
    await kubectlOk(['apply', '-f', '-'], {
      stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: ${acct}}
resources:
  helm:
    chart:
      repository: {name: greeter}
---
apiVersion: v1
kind: Namespace
metadata: {name: ${acct}-ns}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: TemplateInstance
metadata: {name: bad, namespace: ${acct}-ns}
spec: {template: ${acct}}
`,
    });
    const { eventually } = await import('../support/sandbox-access.js');
    const status = async () => JSON.parse(await kubectlOk(['get', 'templateinstance', 'bad', '-n', `${acct}-ns`, '-o', 'jsonpath={.status}']) || '{}') as { status?: string };
    expect(await eventually(async () => (await status()).status === 'Failed', 10_000)).toBe(true);
    expect(await status()).toMatchObject({ reason: 'ErrorHelm', message: 'Error during helm template: repository url cannot be empty' });
  });
});
