import { kubectlOk } from '../cluster/kubectl.js';

/** Lets `user` read spaces through the tenancy API (RBAC at kube-apiserver); what they see is still theirs only. */
export function grantSpacesReader(name: string, user: string): Promise<string> {
  return kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ${name}}
rules: [{apiGroups: [tenancy.kiosk.sh], resources: [spaces], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${name}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${name}}
subjects: [{kind: User, name: ${user}, apiGroup: rbac.authorization.k8s.io}]
`,
  });
}
