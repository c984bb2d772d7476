// The TemplateInstance controller on hostile Templates: what ends in the instance's status.
import { gzipSync } from 'node:zlib';
import type { Mapping, ObjectRef, TemplateBackend, TemplateSource } from '../../registry/template/controller.js';
import { decodeRefs, encodeRefs, TemplateInstanceController } from '../../registry/template/controller.js';
import type { Template, TemplateInstance } from '../../registry/template/types.js';
import { silentLogger } from '../../storage/logger.js';

/** Waits for a status change, however long a loaded machine takes: the status is the condition. */
function statusChange(): { next: Promise<TemplateInstance['status']>; record: (status: TemplateInstance['status']) => void } {
  let record!: (status: TemplateInstance['status']) => void;
  const next = new Promise<TemplateInstance['status']>((resolve) => {
    record = resolve;
  });
  return { next, record };
}

describe('TemplateInstanceController on hostile Templates', () => {
  let controller: TemplateInstanceController;
  let applied: unknown[];
  let removed: ObjectRef[];
  /** The account of the instance's namespace, when the test gives it one. */
  let account: { metadata: { name: string }; spec: { space: { templateInstances: Array<{ spec: { template: string } }> } } } | undefined;
  afterEach(() => { controller.close(); account = undefined; });

  /** `cached`: whether the informer has seen the Template yet; `live`: what kube-apiserver answers for it. */
  function deploy(template: Template, parameters: Array<{ name: string; value: string }> = [], status?: TemplateInstance['status'],
    where: { cached: boolean; live: Template | undefined } = { cached: true, live: template }, templateName = 'tpl', onLiveRead: () => void = () => undefined) {
    const instance: TemplateInstance = {
      apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance',
      metadata: { name: 'ti', namespace: 'team-a', uid: 'ti-1' }, spec: { template: templateName, parameters }, ...(status ? { status } : {}),
    };
    const change = statusChange();
    const source: TemplateSource = {
      instance: () => instance, instancesOfTemplate: () => [instance],
      template: () => (where.cached ? template : undefined), liveTemplate: async () => { onLiveRead(); return where.live; },
      namespace: (name) => ({ metadata: { name, ...(account ? { labels: { 'kiosk.sh/account': account.metadata.name } } : {}) } }),
      account: (name) => (name === account?.metadata.name ? account : undefined),
    };
    applied = [];
    removed = [];
    const backend: TemplateBackend = {
      mapping: async (): Promise<Mapping> => ({ prefix: '/api/v1', resource: 'configmaps', namespaced: true }),
      apply: async (_m, obj) => {
        applied.push(obj);
      },
      remove: async (_m, ref) => {
        removed.push(ref);
      },
      patchInstanceStatus: async (_ns, _name, status) => change.record(status),
      helmTemplate: async () => '', secretValue: async () => undefined,
    };
    controller = new TemplateInstanceController(source, backend, silentLogger);
    controller.start();
    controller.onInstance(instance);
    return change.next;
  }

  const tpl = (manifests: unknown[], parameters: Template['parameters'] = []): Template => ({
    apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Template', metadata: { name: 'tpl', uid: 't-1', resourceVersion: '1' },
    resources: { manifests: manifests as Array<Record<string, unknown>> }, parameters,
  });

  it('fails a catastrophic validation pattern on a long value with Kiosk\'s message, decided on the worker', async () => {
    const word = `${'a'.repeat(40)}!`;
    const status = await deploy(tpl([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }], [{ name: 'WORD', validation: '^(a+)+$' }]),
      [{ name: 'WORD', value: word }]);
    expect(status).toMatchObject({ status: 'Failed', reason: 'ErrorValidatingParameters', message: `parameter WORD value ${word} does not match validation pattern ^(a+)+$` });
    expect(applied).toEqual([]);
  });

  it('reads a Template the informer has not seen yet from kube-apiserver instead of failing TemplateNotFound', async () => {
    const template = tpl([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }]);
    const status = await deploy(template, [], undefined, { cached: false, live: template });
    expect(status).toMatchObject({ status: 'Deployed' });
    expect(applied).toHaveLength(1);
  });

  it.each([['a megabyte', 'a'.repeat(1 << 20)], ['a path', '../../api/v1/secrets'], ['upper case', 'Tpl']])(
    'does not ask kube-apiserver for a name no Template can have (%s): TemplateNotFound at once', async (_what, name) => {
      let liveReads = 0;
      const template = tpl([]);
      const status = await deploy(template, [], undefined, { cached: false, live: template }, name, () => { liveReads++; });
      expect(status).toMatchObject({ status: 'Failed', reason: 'TemplateNotFound' });
      expect(liveReads).toBe(0);
    });

  it('fails TemplateNotFound with Kiosk\'s message when kube-apiserver has no such Template either', async () => {
    const status = await deploy(tpl([]), [], undefined, { cached: false, live: undefined });
    expect(status).toMatchObject({ status: 'Failed', reason: 'TemplateNotFound', message: 'The specified template \'tpl\' couldn\'t be found.' });
    expect(applied).toEqual([]);
  });

  it('deploys when the value matches', async () => {
    const status = await deploy(tpl([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { w: '${WORD}' } }],
      [{ name: 'WORD', validation: '^(a+)+$' }]), [{ name: 'WORD', value: 'a'.repeat(40) }]);
    expect(status).toMatchObject({ status: 'Deployed' });
    expect(applied).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', data: { w: 'a'.repeat(40) },
      metadata: { name: 'cm', namespace: 'team-a', ownerReferences: [{ apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', name: 'ti', uid: 'ti-1', controller: true }] } }]);
  });

  it.each([
    ['no metadata', { apiVersion: 'v1', kind: 'ConfigMap' }],
    ['metadata that is not a map', { apiVersion: 'v1', kind: 'ConfigMap', metadata: 'odd' }],
    ['a name only inherited', JSON.parse('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"__proto__": {"name": "cm"}}}')],
  ])('fails ApplyManifests for a manifest with %s, without throwing', async (_name, manifest) => {
    const status = await deploy(tpl([manifest]));
    expect(status).toMatchObject({ status: 'Failed', reason: 'ApplyManifests', message: 'resource name may not be empty' });
    expect(applied).toEqual([]);
  });

  it('labels the objects of a mandatory instance protected, and deploys again one deployed before it was', async () => {
    account = { metadata: { name: 'acme' }, spec: { space: { templateInstances: [{ spec: { template: 'tpl' } }] } } };
    const template = tpl([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', labels: { app: 'x' } } }]);
    const status = await deploy(template, [], { status: 'Deployed', templateResourceVersion: '1' });
    expect(status).toMatchObject({ status: 'Deployed', protected: true });
    expect(applied).toMatchObject([{ metadata: { name: 'cm', labels: { app: 'x', 'kiosk.sh/protected': 'true' } } }]);
    controller.close();
    // Not mandatory: deployed as before, no label, no field.
    account = undefined;
    const plain = await deploy(template);
    expect(plain).not.toHaveProperty('protected');
    expect(applied).toMatchObject([{ metadata: { labels: { app: 'x' } } }]);
    expect((applied[0] as { metadata: { labels: Record<string, string> } }).metadata.labels).not.toHaveProperty(['kiosk.sh/protected']);
  });

  it('prunes only in the instance\'s namespace, whatever the status names', async () => {
    const refs: ObjectRef[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'old' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'coredns' },
    ];
    const status = await deploy(tpl([]), [], { status: 'Failed', templateManifests: encodeRefs(refs) });
    expect(status).toMatchObject({ status: 'Deployed' });
    expect(removed).toEqual([refs[0]]);
  });
});

describe('decodeRefs', () => {
  const gzipped = (text: string) => gzipSync(Buffer.from(text)).toString('base64');

  it('reads back what encodeRefs wrote', () => {
    const refs: ObjectRef[] = [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'b' }, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'c' }];
    expect(decodeRefs(encodeRefs(refs))).toEqual(refs);
  });

  it('drops entries that are not refs', () => {
    expect(decodeRefs(gzipped(JSON.stringify([null, 1, 'x', [], { kind: 'ConfigMap', name: 'n' }, { apiVersion: 'v1', kind: 'ConfigMap', name: 'ok', namespace: 3 },
      JSON.parse('{"apiVersion": "v1", "kind": "ConfigMap", "__proto__": {"name": "inherited"}}'), { apiVersion: 'v1', kind: 'ConfigMap', name: 'ok', extra: true }]))))
      .toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ok' }]);
  });

  it('gives up on a gzip that inflates past its bound, without inflating it', () => {
    // 256 gzip members of 1 MiB each: 256 MiB inflated, as one gzip of 256 MiB would be (gunzip reads every member),
    // without the seconds it takes to deflate 256 MiB.
    const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    const bomb = Buffer.concat(Array.from({ length: 256 }, () => member)).toString('base64');
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(decodeRefs(bomb)).toEqual([]);
  });

  it.each([['not base64 gzip', 'garbage'], ['not JSON', gzipped('{')], ['not a list', gzipped('{}')]])('is empty for %s', (_name, text) => {
    expect(decodeRefs(text)).toEqual([]);
  });
});
