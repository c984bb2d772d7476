import type { Rule } from './rule.js';
import { classRule, member } from './rule.js';

/**
 * A pod's priority class. kube-apiserver's Priority admission runs before validating webhooks and has filled
 * in the global default class (and resolved the priority); a pod without one is judged as "".
 */
export const priorityClassRule: Rule = classRule((p) => p.allowedPriorityClasses, (pod) => {
  const name = member(member(pod, 'spec'), 'priorityClassName');
  return typeof name === 'string' ? name : '';
}, 'priority');
