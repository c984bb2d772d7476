import { requestInfo } from '../../apiserver/chain/request-info.js';

const info = (method: string, url: string) => {
  const [path, query = ''] = url.split('?');
  return requestInfo(method, path!, new URLSearchParams(query));
};

describe('requestInfo', () => {
  it.each([
    ['GET', '/apis/tenancy.kiosk.sh/v1alpha1/spaces', 'list', '', ''],
    ['GET', '/apis/tenancy.kiosk.sh/v1alpha1/spaces?watch=true', 'watch', '', ''],
    ['GET', '/apis/tenancy.kiosk.sh/v1alpha1/spaces?watch=1', 'watch', '', ''],
    ['GET', '/apis/tenancy.kiosk.sh/v1alpha1/spaces/a', 'get', 'a', ''],
    ['HEAD', '/apis/tenancy.kiosk.sh/v1alpha1/spaces/a', 'get', 'a', ''],
    ['POST', '/apis/tenancy.kiosk.sh/v1alpha1/spaces', 'create', '', ''],
    ['PUT', '/apis/tenancy.kiosk.sh/v1alpha1/spaces/a', 'update', 'a', ''],
    ['PATCH', '/apis/tenancy.kiosk.sh/v1alpha1/spaces/a', 'patch', 'a', ''],
    ['DELETE', '/apis/tenancy.kiosk.sh/v1alpha1/spaces/a', 'delete', 'a', ''],
    ['DELETE', '/apis/tenancy.kiosk.sh/v1alpha1/spaces', 'deletecollection', '', ''],
    ['PUT', '/apis/tenancy.kiosk.sh/v1alpha1/spaces/a/status', 'update', 'a', 'status'],
    ['GET', '/apis/tenancy.kiosk.sh/v1alpha1/spaces?fieldSelector=metadata.name%3Db', 'list', 'b', ''],
  ])('%s %s is verb %s on name %j', (method, url, verb, name, subresource) => {
    const i = info(method, url);
    expect(i).toMatchObject({ isResourceRequest: true, verb, name, subresource, apiGroup: 'tenancy.kiosk.sh', apiVersion: 'v1alpha1', resource: 'spaces', namespace: '' });
  });

  it('reads the namespace of namespaced paths', () => {
    expect(info('GET', '/apis/g/v1/namespaces/ns/things/x')).toMatchObject({ namespace: 'ns', resource: 'things', name: 'x', verb: 'get' });
  });

  it.each(['/apis', '/apis/tenancy.kiosk.sh', '/apis/tenancy.kiosk.sh/v1alpha1', '/healthz', '/openapi/v3'])(
    '%s is a non-resource request', (path) => {
      expect(info('GET', path)).toMatchObject({ isResourceRequest: false, verb: 'get', path });
    });
});
