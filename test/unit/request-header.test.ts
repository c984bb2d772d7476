import { userFromRequestHeaders } from '../../apiserver/authn/request-header.js';
import { parseRequestHeaderConfig } from '../../storage/authentication/request-header-config.js';

const config = parseRequestHeaderConfig({
  'requestheader-client-ca-file': 'pem',
  'requestheader-allowed-names': '["front-proxy-client"]',
  'requestheader-username-headers': '["X-Remote-User"]',
  'requestheader-group-headers': '["X-Remote-Group"]',
  'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  'requestheader-uid-headers': '[]',
});

describe('parseRequestHeaderConfig', () => {
  it('decodes the JSON-array-in-a-string values', () => {
    expect(config.allowedNames).toEqual(['front-proxy-client']);
    expect(config.usernameHeaders).toEqual(['X-Remote-User']);
    expect(config.uidHeaders).toEqual([]);
  });

  it('treats missing keys as not set', () => {
    const empty = parseRequestHeaderConfig({});
    expect(empty).toEqual({ clientCA: '', requestHeaderCA: '', allowedNames: [], usernameHeaders: [], uidHeaders: [], groupHeaders: [], extraHeaderPrefixes: [] });
  });
});

describe('userFromRequestHeaders', () => {
  it('keeps repeated group headers as separate groups, commas included', () => {
    const user = userFromRequestHeaders({
      'x-remote-user': ['dev'],
      'x-remote-group': ['team,with,commas', 'system:authenticated'],
    }, config);
    expect(user).toEqual({ username: 'dev', groups: ['team,with,commas', 'system:authenticated'], extra: {} });
  });

  it('keeps extra keys named like Object.prototype members as plain data', () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    const user = userFromRequestHeaders({
      'x-remote-user': ['dev'],
      'x-remote-extra-__proto__': ['a'],
      'x-remote-extra-constructor': ['b'],
      'x-remote-extra-tostring': ['c'],
    }, config);
    expect(Object.keys(user!.extra)).toEqual(['__proto__', 'constructor', 'tostring']);
    expect(Object.hasOwn(user!.extra, '__proto__')).toBe(true);
    expect(user!.extra.constructor).toEqual(['b']);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
  });

  it('unescapes and lower-cases extra keys and keeps every value', () => {
    const user = userFromRequestHeaders({
      'x-remote-user': ['dev'],
      'x-remote-extra-authentication.kubernetes.io%2fcredential-id': ['X509SHA256=ab'],
      'x-remote-extra-scopes': ['a', 'b'],
    }, config);
    expect(user?.extra).toEqual({ 'authentication.kubernetes.io/credential-id': ['X509SHA256=ab'], scopes: ['a', 'b'] });
  });

  it('is not an authentication when no username header is set', () => {
    expect(userFromRequestHeaders({ 'x-remote-group': ['system:masters'] }, config)).toBeUndefined();
    expect(userFromRequestHeaders({ 'x-remote-user': [''] }, config)).toBeUndefined();
  });

  it('ignores a uid header that the configuration does not name', () => {
    expect(userFromRequestHeaders({ 'x-remote-user': ['dev'], 'x-remote-uid': ['123'] }, config)?.uid).toBeUndefined();
    const withUid = { ...config, uidHeaders: ['X-Remote-Uid'] };
    expect(userFromRequestHeaders({ 'x-remote-user': ['dev'], 'x-remote-uid': ['123'] }, withUid)?.uid).toBe('123');
  });
});
