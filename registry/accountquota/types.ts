import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';

/** corev1.ScopedResourceSelectorRequirement (JSON shape). */
export interface ScopedResourceSelectorRequirement {
  scopeName: string;
  operator: string;
  values?: string[] | null;
}

/** corev1.ScopeSelector (JSON shape). */
export interface ScopeSelector {
  matchExpressions?: ScopedResourceSelectorRequirement[] | null;
}

/** corev1.ResourceQuotaSpec (JSON shape); `hard` values are quantity strings (numbers are accepted too). */
export interface QuotaSpec {
  hard?: Record<string, unknown> | null;
  scopes?: string[] | null;
  scopeSelector?: ScopeSelector | null;
}

/** config.kiosk.sh/v1alpha1 AccountQuota. */
export interface AccountQuota {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { name: string };
  spec: { account: string; quota?: QuotaSpec };
  status?: {
    total?: { hard?: Record<string, string>; used?: Record<string, string> };
    namespaces?: Array<{ namespace: string; status: { used?: Record<string, string> } }>;
  };
}
