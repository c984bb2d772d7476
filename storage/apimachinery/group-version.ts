/**
 * k8s.io/apimachinery's schema package: a resource or kind named with its API group (`''` for the core group)
 * and version, as errors name them (`spaces.tenancy.kiosk.sh`), quotas count them (`count/widgets.example.com`),
 * admission reviews carry them and OpenAPI tags them (x-kubernetes-group-version-kind).
 */

/** schema.GroupResource. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** schema.GroupVersionResource. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** schema.GroupVersionKind. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}
