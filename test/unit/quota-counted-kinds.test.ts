import { kindCountedBy, kindsCountedBy } from '../../registry/accountquota/counted-kinds.js';

describe('which kind a quota resource name counts', () => {
  it.each([
    ['pods', { group: '', resource: 'pods' }],
    ['requests.cpu', { group: '', resource: 'pods' }],
    ['limits.memory', { group: '', resource: 'pods' }],
    ['cpu', { group: '', resource: 'pods' }],
    ['ephemeral-storage', { group: '', resource: 'pods' }],
    // Kubernetes accepts the bare hugepages name as well as requests.hugepages-<size> for pods.
    ['hugepages-2Mi', { group: '', resource: 'pods' }],
    ['requests.hugepages-1Gi', { group: '', resource: 'pods' }],
    ['requests.nvidia.com/gpu', { group: '', resource: 'pods' }],
    ['services.nodeports', { group: '', resource: 'services' }],
    ['requests.storage', { group: '', resource: 'persistentvolumeclaims' }],
    ['gold.storageclass.storage.k8s.io/requests.storage', { group: '', resource: 'persistentvolumeclaims' }],
    ['configmaps', { group: '', resource: 'configmaps' }],
    ['count/deployments.apps', { group: 'apps', resource: 'deployments' }],
    ['count/secrets', { group: '', resource: 'secrets' }],
  ])('%s counts %o', (name, kind) => {
    expect(kindCountedBy(name)).toEqual(kind);
  });

  it('counts nothing for names that are not quota resources, and each kind once', () => {
    expect(kindCountedBy('storage')).toBeUndefined();
    expect(kindsCountedBy(['pods', 'hugepages-2Mi', 'limits.cpu', 'services'])).toEqual([{ group: '', resource: 'pods' }, { group: '', resource: 'services' }]);
  });
});
