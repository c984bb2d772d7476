import type { Rule } from './rule.js';
import { classRule, member } from './rule.js';

/**
 * A PersistentVolumeClaim's storage class. kube-apiserver's DefaultStorageClass admission runs before
 * validating webhooks and has already filled in the cluster's default class; a claim still without one (no
 * default class) is judged as "". The PV controller's later assignment of a default class to such a claim is
 * an UPDATE that changes the class, and is judged like any other.
 */
export const storageClassRule: Rule = classRule((p) => p.allowedStorageClasses, (pvc) => {
  const name = member(member(pvc, 'spec'), 'storageClassName');
  return typeof name === 'string' ? name : '';
}, 'storage');
