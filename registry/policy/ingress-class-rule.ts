import type { Rule } from './rule.js';
import { classRule, member } from './rule.js';

/** The deprecated annotation older Ingresses (and some controllers) still name their class with. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** An Ingress's class: spec.ingressClassName, else the annotation, else "" (the cluster's default class, if any, takes it). */
export const ingressClassRule: Rule = classRule((p) => p.allowedIngressClasses, (ingress) => {
  const name = member(member(ingress, 'spec'), 'ingressClassName');
  if (typeof name === 'string' && name !== '') return name;
  const annotation = member(member(member(ingress, 'metadata'), 'annotations'), INGRESS_CLASS_ANNOTATION);
  return typeof annotation === 'string' ? annotation : '';
}, 'ingress');
