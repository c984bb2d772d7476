// Each rule of an Account's spec.policy (registry/policy/*-rule.ts) on its own: unset is no rule, [] allows
// nothing, and on UPDATE only what changed is judged.
import type { AccountPolicy } from '../../registry/account/types.js';
import { imagesRule } from '../../registry/policy/images-rule.js';
import { ingressClassRule } from '../../registry/policy/ingress-class-rule.js';
import { nodeSelectorRule } from '../../registry/policy/node-selector-rule.js';
import { priorityClassRule } from '../../registry/policy/priority-class-rule.js';
import type { Rule } from '../../registry/policy/rule.js';
import { storageClassRule } from '../../registry/policy/storage-class-rule.js';

const judge = (rule: Rule, policy: AccountPolicy, object: Record<string, unknown>, oldObject?: Record<string, unknown>) =>
  rule({ account: 'A', policy, object, ...(oldObject ? { oldObject } : {}) });

const pod = (spec: Record<string, unknown>) => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'registry.example.com/app' }], ...spec } });

describe('images', () => {
  const policy = { allowedRegistries: ['registry.example.com/'] };

  it('judges containers, initContainers and ephemeralContainers, naming the image as written', () => {
    expect(judge(imagesRule, policy, pod({}))).toBeUndefined();
    expect(judge(imagesRule, policy, pod({ containers: [{ name: 'a', image: 'docker.io/nginx' }] })))
      .toBe('image "docker.io/nginx" is not allowed in account A (allowed registries: registry.example.com/)');
    expect(judge(imagesRule, policy, pod({ initContainers: [{ name: 'i', image: 'busybox' }] }))).toContain('image "busybox" is not allowed');
    expect(judge(imagesRule, policy, pod({ ephemeralContainers: [{ name: 'd', image: 'debug/shell' }] }))).toContain('image "debug/shell" is not allowed');
  });

  it('is no rule unset, allows nothing as [], and lists several prefixes', () => {
    expect(judge(imagesRule, {}, pod({ containers: [{ name: 'a', image: 'nginx' }] }))).toBeUndefined();
    expect(judge(imagesRule, { allowedRegistries: [] }, pod({}))).toBe('image "registry.example.com/app" is not allowed in account A (allowed registries: none)');
    expect(judge(imagesRule, { allowedRegistries: ['quay.io/', 'gcr.io/'] }, pod({}))).toContain('(allowed registries: quay.io/, gcr.io/)');
  });

  it('on UPDATE judges only containers whose image changed, and new ephemeral containers', () => {
    const old = pod({ containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }] });
    const relabelled = { ...old, metadata: { name: 'p', labels: { x: 'y' } } };
    expect(judge(imagesRule, policy, relabelled, old)).toBeUndefined();
    const changed = pod({ containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis:7' }] });
    expect(judge(imagesRule, policy, changed, old)).toContain('image "redis:7" is not allowed');
    expect(judge(imagesRule, policy, { ...old, spec: { ...old.spec, ephemeralContainers: [{ name: 'd', image: 'busybox' }] } }, old))
      .toContain('image "busybox" is not allowed');
    expect(judge(imagesRule, policy, { ...old, spec: { ...old.spec, ephemeralContainers: [{ name: 'd', image: 'registry.example.com/dbg' }] } }, old)).toBeUndefined();
  });
});

describe('storage class', () => {
  const pvc = (storageClassName?: string | null) => ({ metadata: { name: 'data' }, spec: { ...(storageClassName !== undefined ? { storageClassName } : {}) } });

  it('allows a listed class, refuses another, and judges a claim without one as ""', () => {
    expect(judge(storageClassRule, { allowedStorageClasses: ['gp3'] }, pvc('gp3'))).toBeUndefined();
    expect(judge(storageClassRule, { allowedStorageClasses: ['gp3'] }, pvc('standard')))
      .toBe('storage class "standard" is not allowed in account A (allowed storage classes: gp3)');
    expect(judge(storageClassRule, { allowedStorageClasses: ['gp3'] }, pvc())).toBe('storage class "" is not allowed in account A (allowed storage classes: gp3)');
    expect(judge(storageClassRule, { allowedStorageClasses: ['gp3', ''] }, pvc(null))).toBeUndefined();
    expect(judge(storageClassRule, { allowedStorageClasses: [] }, pvc('gp3'))).toContain('(allowed storage classes: none)');
    expect(judge(storageClassRule, {}, pvc('anything'))).toBeUndefined();
  });

  it('on UPDATE judges the class only when it changed', () => {
    const policy = { allowedStorageClasses: ['gp3'] };
    expect(judge(storageClassRule, policy, { ...pvc('standard'), metadata: { name: 'data', labels: { a: 'b' } } }, pvc('standard'))).toBeUndefined();
    expect(judge(storageClassRule, policy, pvc('standard'), pvc())).toContain('storage class "standard" is not allowed');
  });
});

describe('ingress class', () => {
  const ingress = (className?: string, annotation?: string) => ({
    metadata: { name: 'web', ...(annotation ? { annotations: { 'kubernetes.io/ingress.class': annotation } } : {}) },
    spec: className ? { ingressClassName: className } : {},
  });
  const policy = { allowedIngressClasses: ['nginx'] };

  it('reads spec.ingressClassName, else the annotation, else ""', () => {
    expect(judge(ingressClassRule, policy, ingress('nginx'))).toBeUndefined();
    expect(judge(ingressClassRule, policy, ingress('traefik'))).toBe('ingress class "traefik" is not allowed in account A (allowed ingress classes: nginx)');
    expect(judge(ingressClassRule, policy, ingress(undefined, 'nginx'))).toBeUndefined();
    expect(judge(ingressClassRule, policy, ingress(undefined, 'traefik'))).toContain('ingress class "traefik"');
    expect(judge(ingressClassRule, policy, ingress('nginx', 'traefik'))).toBeUndefined();
    expect(judge(ingressClassRule, policy, ingress())).toBe('ingress class "" is not allowed in account A (allowed ingress classes: nginx)');
  });

  it('on UPDATE judges the class only when it changed', () => {
    expect(judge(ingressClassRule, policy, ingress('traefik'), ingress('traefik'))).toBeUndefined();
    expect(judge(ingressClassRule, policy, ingress('traefik'), ingress(undefined, 'traefik'))).toBeUndefined();
    expect(judge(ingressClassRule, policy, ingress('traefik'), ingress('nginx'))).toContain('ingress class "traefik"');
  });
});

describe('priority class', () => {
  const policy = { allowedPriorityClasses: ['tenant'] };

  it('judges spec.priorityClassName, "" when unset', () => {
    expect(judge(priorityClassRule, policy, pod({ priorityClassName: 'tenant' }))).toBeUndefined();
    expect(judge(priorityClassRule, policy, pod({ priorityClassName: 'system-cluster-critical' })))
      .toBe('priority class "system-cluster-critical" is not allowed in account A (allowed priority classes: tenant)');
    expect(judge(priorityClassRule, policy, pod({}))).toContain('priority class "" is not allowed');
    expect(judge(priorityClassRule, { allowedPriorityClasses: ['tenant', ''] }, pod({}))).toBeUndefined();
  });

  it('on UPDATE leaves an unchanged class alone', () => {
    expect(judge(priorityClassRule, policy, pod({ priorityClassName: 'high' }), pod({ priorityClassName: 'high' }))).toBeUndefined();
  });
});

describe('node selector', () => {
  const policy = { nodeSelector: { pool: 'tenants', 'kubernetes.io/os': 'linux' } };

  it('requires each entry with the account\'s value, and names a conflict first', () => {
    expect(judge(nodeSelectorRule, policy, pod({ nodeSelector: { pool: 'tenants', 'kubernetes.io/os': 'linux', zone: 'a' } }))).toBeUndefined();
    expect(judge(nodeSelectorRule, policy, pod({ nodeSelector: { pool: 'other' } })))
      .toBe('node selector pool=other conflicts with pool=tenants required in account A');
    expect(judge(nodeSelectorRule, policy, pod({ nodeSelector: { pool: 'tenants' } })))
      .toBe('node selector kubernetes.io/os=linux is required in account A');
    expect(judge(nodeSelectorRule, {}, pod({ nodeSelector: { pool: 'other' } }))).toBeUndefined();
  });

  it('on UPDATE judges only a changed selector', () => {
    const old = pod({ nodeSelector: { pool: 'other' } });
    expect(judge(nodeSelectorRule, policy, { ...old, metadata: { name: 'p', labels: { a: 'b' } } }, old)).toBeUndefined();
    expect(judge(nodeSelectorRule, policy, pod({ nodeSelector: { pool: 'other', zone: 'a' } }), old)).toContain('conflicts with pool=tenants');
  });
});
