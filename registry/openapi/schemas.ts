import { TENANCY_GROUP, TENANCY_VERSION } from '../resource.js';
import type { Schema } from '../../storage/apimachinery/openapi/schema.js';
import { GVK_EXTENSION, ref, refProperty, stringArray, stringMap, stringProperty } from '../../storage/apimachinery/openapi/schema.js';
import { LIST_META, OBJECT_META, SUBJECT, typeMetaProperties, upstreamSchemas } from '../../storage/apimachinery/openapi/upstream.js';

export { upstreamSchemas } from '../../storage/apimachinery/openapi/upstream.js';

/**
 * The OpenAPI name of one of our kinds: the group reversed like a domain, then version and kind
 * (`sh.kiosk.tenancy.v1alpha1.Space`).
 *
 * Why this and not Kiosk's `com.github.loft-sh.kiosk.pkg.apis.tenancy.v1alpha1.Space`: Kiosk's name is the
 * REST-friendly form of a Go package path, which we do not have and which would tie the published API to a
 * repository rather than to the group. The reversed-group form is exactly what kube-apiserver's CRD builder
 * produces (`util.ToRESTFriendlyName("<group>/<version>/<kind>")`), so our kinds sit in the cluster's merged
 * spec next to the `sh.kiosk.config.v1alpha1.Account` CRD with the same naming rule and can never collide with
 * it. Clients look kinds up by `x-kubernetes-group-version-kind`, not by name, so kubectl is unaffected;
 * only code generated from Kiosk's spec would see new type names.
 */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

const gvk = (kind: string) => [{ group: TENANCY_GROUP, kind, version: TENANCY_VERSION }];

const listOf = (kind: string, plural: string, description: string): Schema => ({
  description,
  properties: {
    ...typeMetaProperties(),
    items: {
      description: `The ${plural}.`,
      items: { allOf: [ref(definitionName(TENANCY_GROUP, TENANCY_VERSION, kind))], default: {} },
      type: 'array',
    },
    metadata: refProperty(LIST_META, 'Standard list metadata.', true),
  },
  required: ['items'],
  type: 'object',
  [GVK_EXTENSION]: gvk(`${kind}List`),
});

const space = (): Schema => ({
  description: 'Space is the cluster-scoped, per-user view of exactly one Namespace. A user sees a Space when RBAC '
    + 'allows them to get its Namespace. Creating a Space creates the Namespace (and, through its account, the '
    + 'RoleBinding and mandatory templates); deleting it deletes the Namespace.',
  properties: {
    ...typeMetaProperties(),
    metadata: refProperty(OBJECT_META, 'The Namespace\'s metadata: same name, uid, resourceVersion, labels and '
      + 'annotations, except that the kiosk.sh/account label appears as spec.account instead.', true),
    spec: {
      default: {},
      description: 'Desired state of the Space.',
      properties: {
        account: stringProperty('Account that owns the Space, stored as the Namespace\'s kiosk.sh/account label. '
          + 'Optional on create; empty means a Namespace without an owning account. The account\'s space limit, '
          + 'cluster role, templates and space template apply when it is set.'),
        finalizers: stringArray('The Namespace\'s spec.finalizers. Effectively read-only: Namespace updates ignore it.'),
      },
      type: 'object',
    },
    status: {
      default: {},
      description: 'Observed state of the Space.',
      properties: {
        conditions: {
          description: 'Whether the account\'s spec.isolation is in place (PodSecurityEnforced, NetworkIsolated); '
            + 'absent for a Space of an account without isolation.',
          items: {
            default: {},
            properties: {
              message: stringProperty('Details, for people.', true),
              reason: stringProperty('Why, in one CamelCase word.', true),
              status: stringProperty('True or False.', true),
              type: stringProperty('PodSecurityEnforced or NetworkIsolated.', true),
            },
            required: ['type', 'status'],
            type: 'object',
          },
          type: 'array',
          'x-kubernetes-list-map-keys': ['type'],
          'x-kubernetes-list-type': 'map',
        },
        phase: stringProperty('The Namespace\'s phase: Active, or Terminating while it is being deleted.'),
      },
      type: 'object',
    },
  },
  type: 'object',
  [GVK_EXTENSION]: gvk('Space'),
});

const templateInstance = (): Schema => ({
  default: {},
  description: 'A TemplateInstance created in every new Space of the account, before its users get access.',
  properties: {
    metadata: {
      description: 'Name and metadata of the TemplateInstance. Without name and generateName, generateName is '
        + '"<template>-".',
      properties: {
        annotations: stringMap('Annotations of the TemplateInstance.'),
        generateName: stringProperty('Prefix for a generated name, used when name is empty.'),
        labels: stringMap('Labels of the TemplateInstance.'),
        name: stringProperty('Name of the TemplateInstance.'),
      },
      type: 'object',
    },
    spec: {
      default: {},
      description: 'What to instantiate.',
      properties: {
        parameters: {
          description: 'Values for parameters the Template declares; an undeclared name makes the instance fail.',
          items: {
            default: {},
            properties: {
              name: stringProperty('Name of the Template parameter.', true),
              value: stringProperty('Value of the parameter.', true),
            },
            required: ['name'],
            type: 'object',
          },
          type: 'array',
        },
        sync: { description: 'If true, the instance is redeployed (three-way merge) whenever the Template '
          + 'changes, and failures are retried.', type: 'boolean' },
        template: stringProperty('Name of the config.kiosk.sh Template. Entries with an empty template are skipped.', true),
      },
      required: ['template'],
      type: 'object',
    },
  },
  type: 'object',
});

const labelSelector = (description: string): Schema => ({
  description,
  properties: {
    matchExpressions: {
      description: 'Requirements on label keys and values; all must hold.',
      items: {
        default: {},
        properties: {
          key: stringProperty('The label key.', true),
          operator: stringProperty('In, NotIn, Exists or DoesNotExist.', true),
          values: stringArray('Values for In and NotIn (not empty); empty for Exists and DoesNotExist.'),
        },
        required: ['key', 'operator'],
        type: 'object',
      },
      type: 'array',
    },
    matchLabels: stringMap('Labels that must all be present with these values.'),
  },
  type: 'object',
  'x-kubernetes-map-type': 'atomic',
});

const isolation = (): Schema => ({
  description: 'How the account\'s Spaces are kept apart from the rest of the cluster. Unset: nothing is added.',
  properties: {
    allowFrom: {
      description: 'Extra NetworkPolicyPeers the network rule admits (at most 32): each exactly one of ipBlock, '
        + 'or namespaceSelector and/or podSelector.',
      items: {
        default: {},
        properties: {
          ipBlock: {
            description: 'A range of IP addresses.',
            properties: {
              cidr: stringProperty('The range, as a CIDR (10.0.0.0/16, 2001:db8::/64).', true),
              except: stringArray('CIDRs within cidr that are not admitted.'),
            },
            required: ['cidr'],
            type: 'object',
          },
          namespaceSelector: labelSelector('Namespaces whose pods are admitted (with podSelector: only those pods).'),
          podSelector: labelSelector('Pods admitted (in the space itself without namespaceSelector).'),
        },
        type: 'object',
      },
      type: 'array',
    },
    network: { description: 'None (default) or Account: a NetworkPolicy kiosk-account-isolation in every Space '
      + 'admits ingress only from the account\'s Spaces and allowFrom. Needs a NetworkPolicy-capable CNI.',
    enum: ['None', 'Account'], type: 'string' },
    podSecurity: { description: 'Pod Security Standard enforced in every Space (pod-security.kubernetes.io/enforce, '
      + 'warn and audit labels).', enum: ['privileged', 'baseline', 'restricted'], type: 'string' },
  },
  type: 'object',
});

const policy = (): Schema => ({
  description: 'Guardrails on what the account\'s Spaces may run, enforced by admission on pods, PersistentVolumeClaims '
    + 'and Ingresses. A list left unset is no rule; an empty list allows nothing. Objects that existed before a rule '
    + 'are judged again only when a judged field changes.',
  properties: {
    allowedIngressClasses: stringArray('Ingress classes Ingresses may name (spec.ingressClassName, else the '
      + 'kubernetes.io/ingress.class annotation); "" allows an Ingress that names none.', 'set'),
    allowedPriorityClasses: stringArray('Priority classes pods may name (after the cluster\'s global default is filled '
      + 'in); "" allows a pod that names none.', 'set'),
    allowedRegistries: stringArray('Prefixes container images must start with ("registry.example.com/"), as written or '
      + 'in their normalized form ("nginx" is docker.io/library/nginx). Applies to containers, initContainers and '
      + 'ephemeralContainers.', 'set'),
    allowedStorageClasses: stringArray('Storage classes PersistentVolumeClaims may name; "" allows a claim that names '
      + 'none.', 'set'),
    nodeSelector: stringMap('Labels every pod\'s nodeSelector must carry: added to a new pod when absent, refused when '
      + 'the pod asks for another value.'),
  },
  type: 'object',
});

const accountSpec = (): Schema => ({
  default: {},
  description: 'Who the account\'s users are and what each of their Spaces gets.',
  properties: {
    isolation: isolation(),
    policy: policy(),
    space: {
      description: 'Settings for the Spaces the account owns.',
      properties: {
        clusterRole: stringProperty('ClusterRole bound to the subjects by a RoleBinding in each new Space. Unset '
          + 'means "admin"; an explicit "" means no RoleBinding is created.'),
        limit: { description: 'Most Spaces the account may own; unset means unlimited. Checked when a Space is '
          + 'created through tenancy.kiosk.sh.', format: 'int32', minimum: 0, type: 'integer' },
        spaceTemplate: {
          description: 'Defaults for new Spaces.',
          properties: {
            metadata: {
              description: 'Labels and annotations set on every new Space; they override user-supplied keys of '
                + 'the same name. Other metadata fields are ignored.',
              properties: {
                annotations: stringMap('Annotations for new Spaces.'),
                labels: stringMap('Labels for new Spaces; may not set kiosk.sh/account.'),
              },
              type: 'object',
            },
          },
          type: 'object',
        },
        templateInstances: {
          description: 'Mandatory templates, instantiated in every new Space before its users get access.',
          items: templateInstance(),
          type: 'array',
        },
      },
      type: 'object',
    },
    subjects: {
      description: 'The account\'s users, written like RoleBinding subjects (User, Group, ServiceAccount). They are '
        + 'copied into every RoleBinding and ClusterRoleBinding the account owns.',
      items: { allOf: [ref(SUBJECT)], default: {} },
      type: 'array',
      'x-kubernetes-list-type': 'atomic',
    },
  },
  type: 'object',
});

const account = (): Schema => ({
  description: 'Account is the per-user view of a config.kiosk.sh/v1alpha1 Account (the tenant): same schema, '
    + 'listed to the users who are its subjects (directly, through a group or as a ServiceAccount) or whom RBAC '
    + 'allows to get it. Writes go through to the config.kiosk.sh Account.',
  properties: {
    ...typeMetaProperties(),
    metadata: refProperty(OBJECT_META, 'Standard object\'s metadata.', true),
    spec: accountSpec(),
    status: {
      default: {},
      description: 'Maintained by the account controller.',
      properties: {
        namespaces: {
          description: 'The Namespaces labelled kiosk.sh/account=<this account>.',
          items: {
            default: {},
            properties: { name: stringProperty('Name of the Namespace.', true) },
            required: ['name'],
            type: 'object',
          },
          type: 'array',
        },
      },
      type: 'object',
    },
  },
  type: 'object',
  [GVK_EXTENSION]: gvk('Account'),
});

/** Space, SpaceList, Account and AccountList of tenancy.kiosk.sh/v1alpha1, by definition name. */
function tenancySchemas(): Record<string, Schema> {
  const name = (kind: string) => definitionName(TENANCY_GROUP, TENANCY_VERSION, kind);
  return {
    [name('Account')]: account(),
    [name('AccountList')]: listOf('Account', 'accounts', 'AccountList is a list of Account.'),
    [name('Space')]: space(),
    [name('SpaceList')]: listOf('Space', 'spaces', 'SpaceList is a list of Space.'),
  };
}

/**
 * Every schema a tenancy.kiosk.sh/v1alpha1 document may refer to: our kinds plus the upstream types they use,
 * so the document is self-contained.
 */
export function allSchemas(): Record<string, Schema> {
  return { ...tenancySchemas(), ...upstreamSchemas([{ group: TENANCY_GROUP, version: TENANCY_VERSION }]) };
}
