// The CA injection into webhook configurations (storage/serving-certs/ca-bundle-injector.ts) over a fake
// client: validating and mutating configurations alike, only the stale bundles, guarded by resourceVersion.
import type { KubeClient } from '../../storage/client.js';
import { CaBundleInjector } from '../../storage/serving-certs/ca-bundle-injector.js';

const PEM = '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n';
const B64 = Buffer.from(PEM, 'utf8').toString('base64');

function fakeClient(objects: Record<string, { metadata: { resourceVersion: string }; webhooks: Array<{ clientConfig: { caBundle?: string } }> }>) {
  const patches: Array<{ path: string; body: unknown }> = [];
  const client = {
    request: async (method: string, path: string, params: { body?: unknown } = {}) => {
      if (method === 'GET') return structuredClone(objects[path]);
      patches.push({ path, body: params.body });
      return {};
    },
  } as unknown as KubeClient;
  return { client, patches };
}

describe('CaBundleInjector', () => {
  const validating = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/kiosk';
  const mutating = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/kiosk';

  it('injects into mutating webhook configurations as into validating ones, patching only stale bundles', async () => {
    const { client, patches } = fakeClient({
      [validating]: { metadata: { resourceVersion: '5' }, webhooks: [{ clientConfig: { caBundle: B64 } }] },
      [mutating]: { metadata: { resourceVersion: '7' }, webhooks: [{ clientConfig: {} }] },
    });
    const injector = new CaBundleInjector(client, { apiServices: [], validatingWebhookConfigurations: ['kiosk'], mutatingWebhookConfigurations: ['kiosk'] });
    expect(injector.empty).toBe(false);
    expect(await injector.inject(PEM)).toEqual(['mutatingwebhookconfiguration/kiosk']);
    expect(patches).toEqual([{ path: mutating, body: [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: B64 },
    ] }]);
  });

  it('is empty with no targets, the mutating list absent included', () => {
    expect(new CaBundleInjector(fakeClient({}).client, { apiServices: [], validatingWebhookConfigurations: [] }).empty).toBe(true);
    expect(new CaBundleInjector(fakeClient({}).client, { apiServices: [], validatingWebhookConfigurations: [], mutatingWebhookConfigurations: ['kiosk'] }).empty).toBe(false);
  });
});
