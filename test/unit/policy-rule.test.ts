import { allowedNames, ruleAllows } from '../../storage/rbac/policy-rule.js';
import type { ResourceAttributes } from '../../storage/rbac/policy-rule.js';
import type { PolicyRule } from '../../storage/rbac/types.js';

const getNamespace = (name?: string): ResourceAttributes => ({ verb: 'get', apiGroup: '', resource: 'namespaces', ...(name === undefined ? {} : { name }) });
const core = (verbs: string[], resources: string[], extra: Partial<PolicyRule> = {}): PolicyRule => ({ verbs, apiGroups: [''], resources, ...extra });

describe('ruleAllows', () => {
  it.each<[string, PolicyRule, ResourceAttributes, boolean]>([
    // verbs
    ['exact verb, group and resource', core(['get'], ['namespaces']), getNamespace('a'), true],
    ['another verb', core(['list', 'watch'], ['namespaces']), getNamespace('a'), false],
    ['verb *', core(['*'], ['namespaces']), getNamespace('a'), true],
    ['no verbs', core([], ['namespaces']), getNamespace('a'), false],
    ['verbs are case-sensitive', core(['GET'], ['namespaces']), getNamespace('a'), false],
    // apiGroups
    ['apiGroup * matches the core group', { verbs: ['get'], apiGroups: ['*'], resources: ['namespaces'] }, getNamespace('a'), true],
    ['apiGroup * matches a named group', { verbs: ['get'], apiGroups: ['*'], resources: ['accounts'] },
      { verb: 'get', apiGroup: 'tenancy.kiosk.sh', resource: 'accounts', name: 'x' }, true],
    ['named group', { verbs: ['get'], apiGroups: ['tenancy.kiosk.sh'], resources: ['accounts'] },
      { verb: 'get', apiGroup: 'tenancy.kiosk.sh', resource: 'accounts' }, true],
    ['other named group', { verbs: ['get'], apiGroups: ['config.kiosk.sh'], resources: ['accounts'] },
      { verb: 'get', apiGroup: 'tenancy.kiosk.sh', resource: 'accounts' }, false],
    ['core group rule against a named group', core(['get'], ['deployments']), { verb: 'get', apiGroup: 'apps', resource: 'deployments' }, false],
    ['named group rule against the core group', { verbs: ['get'], apiGroups: ['apps'], resources: ['namespaces'] }, getNamespace('a'), false],
    ['rule without apiGroups matches nothing', { verbs: ['get'], resources: ['namespaces'] }, getNamespace('a'), false],
    ['rule with empty apiGroups matches nothing', { verbs: ['get'], apiGroups: [], resources: ['namespaces'] }, getNamespace('a'), false],
    ['rule without apiGroups matches nothing, even with * elsewhere', { verbs: ['*'], resources: ['*'] }, getNamespace('a'), false],
    // resources
    ['rule without resources', { verbs: ['get'], apiGroups: [''] }, getNamespace('a'), false],
    ['resource *', core(['get'], ['*']), getNamespace('a'), true],
    ['resource * covers subresources', core(['get'], ['*']), { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log' }, true],
    ['another resource', core(['get'], ['pods']), getNamespace('a'), false],
    ['resources are case-sensitive', core(['get'], ['Namespaces']), getNamespace('a'), false],
    ['resources are not prefixes', core(['get'], ['namespace']), getNamespace('a'), false],
    // subresources
    ['pods/log grants pods/log', core(['get'], ['pods/log']), { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log' }, true],
    ['pods does not grant pods/log', core(['get'], ['pods']), { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log' }, false],
    ['pods/log does not grant pods', core(['get'], ['pods/log']), { verb: 'get', apiGroup: '', resource: 'pods' }, false],
    ['pods/log does not grant pods/exec', core(['get'], ['pods/log']), { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'exec' }, false],
    ['pods/* is not a wildcard', core(['get'], ['pods/*']), { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log' }, false],
    ['*/scale grants deployments/scale', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
      { verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }, true],
    ['*/scale grants statefulsets/scale', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
      { verb: 'update', apiGroup: 'apps', resource: 'statefulsets', subresource: 'scale' }, true],
    ['*/scale does not grant the main resource', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
      { verb: 'update', apiGroup: 'apps', resource: 'deployments' }, false],
    ['*/scale does not grant another subresource', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
      { verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'status' }, false],
    ['*/status does not grant a longer subresource', core(['get'], ['*/status']), { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'statusx' }, false],
    ['namespaces/status does not grant namespaces', core(['get'], ['namespaces/status']), getNamespace('a'), false],
    // resourceNames
    ['resourceNames containing the name', core(['get'], ['namespaces'], { resourceNames: ['a', 'b'] }), getNamespace('b'), true],
    ['resourceNames without the name', core(['get'], ['namespaces'], { resourceNames: ['a', 'b'] }), getNamespace('c'), false],
    ['resourceNames and an unnamed request (list)', core(['get', 'list'], ['namespaces'], { resourceNames: ['a'] }),
      { verb: 'list', apiGroup: '', resource: 'namespaces' }, false],
    ['empty resourceNames means every name', core(['get'], ['namespaces'], { resourceNames: [] }), getNamespace('zz'), true],
    ['no resourceNames allows unnamed requests', core(['list'], ['namespaces']), { verb: 'list', apiGroup: '', resource: 'namespaces' }, true],
    ['resourceNames with a subresource', core(['get'], ['pods/log'], { resourceNames: ['p1'] }),
      { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', name: 'p1' }, true],
    // non-resource rules
    ['a nonResourceURLs rule never grants a resource', { verbs: ['get'], nonResourceURLs: ['*'] }, getNamespace('a'), false],
  ])('%s', (_name, rule, attrs, allowed) => {
    expect(ruleAllows(rule, attrs)).toBe(allowed);
  });
});

describe('allowedNames', () => {
  const norm = (g: 'all' | Set<string>) => (g === 'all' ? 'all' : [...g].sort());
  const ns = { verb: 'get', apiGroup: '', resource: 'namespaces' };

  it.each<[string, PolicyRule[], 'all' | string[]]>([
    ['no rules', [], []],
    ['an unrestricted rule', [core(['get'], ['namespaces'])], 'all'],
    ['a rule with empty resourceNames', [core(['get'], ['namespaces'], { resourceNames: [] })], 'all'],
    ['resourceNames', [core(['get'], ['namespaces'], { resourceNames: ['b', 'a'] })], ['a', 'b']],
    ['resourceNames of several rules are united', [
      core(['get'], ['namespaces'], { resourceNames: ['a'] }), core(['get'], ['namespaces'], { resourceNames: ['c', 'a'] })], ['a', 'c']],
    ['an unrestricted rule after restricted ones', [
      core(['get'], ['namespaces'], { resourceNames: ['a'] }), core(['get'], ['namespaces'])], 'all'],
    ['an unrestricted rule before restricted ones', [
      core(['get'], ['namespaces']), core(['get'], ['namespaces'], { resourceNames: ['a'] })], 'all'],
    ['rules for another verb are ignored', [core(['list', 'watch'], ['namespaces'])], []],
    ['restricted rules for another verb are ignored', [core(['list'], ['namespaces'], { resourceNames: ['a'] })], []],
    ['rules for another resource are ignored', [core(['get'], ['pods'], { resourceNames: ['a'] }), core(['get'], ['pods'])], []],
    ['rules without apiGroups are ignored', [{ verbs: ['get'], resources: ['namespaces'] }], []],
    ['rules for a subresource are ignored', [core(['get'], ['namespaces/status'])], []],
    ['a * rule', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'all'],
    ['a * rule with resourceNames', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: ['x'] }], ['x']],
    ['a mix where only the matching rule counts', [
      core(['get'], ['pods']), core(['get'], ['namespaces'], { resourceNames: ['n1'] }), core(['delete'], ['namespaces'])], ['n1']],
  ])('%s', (_name, ruleList, expected) => {
    expect(norm(allowedNames(ruleList, ns))).toEqual(expected);
  });

  it('looks at the requested API group', () => {
    const accountRules = [{ verbs: ['get'], apiGroups: ['tenancy.kiosk.sh'], resources: ['accounts'], resourceNames: ['acme'] }];
    expect(norm(allowedNames(accountRules, { verb: 'get', apiGroup: 'tenancy.kiosk.sh', resource: 'accounts' }))).toEqual(['acme']);
    expect(norm(allowedNames(accountRules, { verb: 'get', apiGroup: 'config.kiosk.sh', resource: 'accounts' }))).toEqual([]);
  });

  it('does not modify the rules', () => {
    const rule = core(['get'], ['namespaces'], { resourceNames: ['a'] });
    allowedNames([rule], ns);
    expect(rule.resourceNames).toEqual(['a']);
  });
});
