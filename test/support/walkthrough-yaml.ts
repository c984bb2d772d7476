// The YAML files of the user's walkthrough (shared/seed/kiosk-on-eks-walkthrough.txt), verbatim, so the
// e2e walkthrough and the section tests apply exactly what the user does.

export const NODE_ACCOUNT = `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata:
  name: node-account
spec:
  subjects:
  - kind: User
    name: dev
    apiGroup: rbac.authorization.k8s.io
`;

export const REDIS_ACCOUNT = NODE_ACCOUNT.replace('name: node-account', 'name: redis-account').replace('name: dev', 'name: dba');

export const CLUSTER_ROLE_BINDING = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kiosk-role-binding
subjects:
- kind: User
  name: dev
  apiGroup: rbac.authorization.k8s.io
- kind: User
  name: dba
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: kiosk-edit
  apiGroup: rbac.authorization.k8s.io
`;

export const NODE_SPACE = `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata:
  name: node-space
spec:
  account: node-account
`;

export const REDIS_SPACE = NODE_SPACE.replace('name: node-space', 'name: redis-space').replace('account: node-account', 'account: redis-account');

export const NODE_ACCOUNT_LIMITED = `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata:
  name: node-account
spec:
  space:
    limit: 2
  subjects:
  - kind: User
    name: dev
    apiGroup: rbac.authorization.k8s.io
`;

export const REDIS_ACCOUNT_LIMITED = NODE_ACCOUNT_LIMITED.replace('name: node-account', 'name: redis-account').replace('name: dev', 'name: dba');

export const NODE_QUOTA = `apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata:
  name: default-user-limits
spec:
  account: node-account
  quota:
    hard:
      pods: "2"
      limits.cpu: "4"
`;

export const TEMPLATE_DEFINITION = `apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata:
  name: space-template
resources:
  manifests:
  - apiVersion: v1
    kind: LimitRange
    metadata:
      name: container-limit-range
    spec:
      limits:
      - default:
          cpu: 1
        defaultRequest:
          cpu: 0.5
        type: Container
`;

export const REDIS_ACCOUNT_WITH_TEMPLATE = `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata:
  name: redis-account
spec:
  space:
    limit: 2
    templateInstances:
    - spec:
        template: space-template
  subjects:
  - kind: User
    name: dba
    apiGroup: rbac.authorization.k8s.io
`;

export const REDIS_MANDATORY_SPACE = `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Space
metadata:
  name: redis-mandatory-space
spec:
  account: redis-account
`;
