import type { PolicyRule } from './types.js';

/** The attributes of a resource request, as RBAC sees them. */
export interface ResourceAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  name?: string;
}

const has = (list: string[] | undefined, value: string) => !!list && (list.includes('*') || list.includes(value));

/**
 * Whether a rule allows the request, exactly as kube-apiserver's RBAC RuleAllows: verbs, apiGroups and
 * resources may be `*`; `resource/subresource` and `*\/subresource` forms; resourceNames restrict by name
 * (an empty list means every name).
 */
export function ruleAllows(rule: PolicyRule, attrs: ResourceAttributes): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!has(rule.apiGroups, attrs.apiGroup)) return false;
  const resources = rule.resources ?? [];
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const resourceMatches = resources.some((r) => r === '*' || r === combined || (!!attrs.subresource && r === `*/${attrs.subresource}`));
  if (!resourceMatches) return false;
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return attrs.name !== undefined && rule.resourceNames.includes(attrs.name);
}

/**
 * Which names of a resource the rules allow the verb on: every name, or a set of names (resourceNames).
 * A request for an unnamed object (list) is never allowed by a rule with resourceNames, as in RBAC.
 */
export function allowedNames(rules: PolicyRule[], attrs: Omit<ResourceAttributes, 'name'>): 'all' | Set<string> {
  const names = new Set<string>();
  for (const rule of rules) {
    if (!ruleAllows({ ...rule, resourceNames: [] }, attrs)) continue;
    if (!rule.resourceNames || rule.resourceNames.length === 0) return 'all';
    for (const n of rule.resourceNames) names.add(n);
  }
  return names;
}
