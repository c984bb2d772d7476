import type { ObjectMeta } from '../../storage/apimachinery/object-meta.js';

export interface ScopeSelector {
  matchExpressions?: Array<{ scopeName: string; operator: string; values?: string[] }>;
}

export interface QuotaSpec {
  hard?: Record<string, string | number>;
  scopes?: string[];
  scopeSelector?: ScopeSelector;
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
