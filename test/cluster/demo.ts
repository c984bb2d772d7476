import { kubectlOk } from './kubectl.js';

/**
 * The walkthrough's tenants, for a first look: accounts for dev and dba (with a space limit and a
 * mandatory template for dba's), their spaces, a quota on dev's account, and the kiosk-edit binding.
 */
const DEMO = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kiosk-role-binding}
subjects:
- {kind: User, name: dev, apiGroup: rbac.authorization.k8s.io}
- {kind: User, name: dba, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: kiosk-edit, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: Template
metadata: {name: space-template}
resources:
  manifests:
  - apiVersion: v1
    kind: LimitRange
    metadata: {name: container-limit-range}
    spec:
      limits:
      - {type: Container, default: {cpu: 1}, defaultRequest: {cpu: 0.5}}
---
apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata: {name: node-account}
spec:
  space: {limit: 2}
  subjects: [{kind: User, name: dev, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata: {name: redis-account}
spec:
  space:
    limit: 2
    templateInstances: [{spec: {template: space-template}}]
  subjects: [{kind: User, name: dba, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata: {name: default-user-limits}
spec:
  account: node-account
  quota:
    hard: {pods: "2", limits.cpu: "4"}
`;

export async function installDemo(): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], { stdin: DEMO });
  await kubectlOk(['apply', '-f', '-', '--as=dev'], { stdin: 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: node-space}\nspec: {account: node-account}\n' });
  await kubectlOk(['apply', '-f', '-', '--as=dba'], { stdin: 'apiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: redis-space}\nspec: {account: redis-account}\n' });
}

export const DEMO_COMMANDS = [
  'get accounts',
  'get spaces',
  'get spaces --as=dev',
  'get accounts --as=dba',
  'get templateinstances -n redis-space',
  'get accountquota default-user-limits -o yaml',
  'create -f - --as=dev  <<< \'{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"node-space-2"},"spec":{"account":"node-account"}}\'',
];
