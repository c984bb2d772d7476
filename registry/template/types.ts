import type { ListMeta, ObjectMeta } from '../../storage/apimachinery/object-meta.js';

/**
 * config.kiosk.sh/v1alpha1 Template and TemplateInstance, field for field as Kiosk's Go types
 * (pkg/apis/config/v1alpha1/template_types.go, templateinstance_types.go). Fields Kiosk tags `omitempty`
 * are optional here: an empty string is absent on the wire.
 */

/** A declared parameter. `value` is the default; `validation` a Go (RE2) regexp, unanchored unless anchored. */
export interface TemplateParameter {
  name?: string;
  value?: string;
  required?: boolean;
  validation?: string;
}

/** A Secret key holding a Helm repository credential. */
export interface HelmSecretRef {
  key: string;
  name: string;
  namespace: string;
}

/** `--set name=value`, or `--set-string` with forceString. Parameters are not substituted here. */
export interface HelmSetValue {
  name: string;
  /** Go's string: a value left out is "". */
  value?: string;
  forceString?: boolean;
}

export interface HelmChartRepository {
  /** Chart name. */
  name: string;
  version?: string;
  repoUrl?: string;
  username?: HelmSecretRef;
  password?: HelmSecretRef;
}

export interface HelmChart {
  repository?: HelmChartRepository;
}

export interface HelmConfiguration {
  /** Defaults to the Template's name. */
  releaseName?: string;
  setValues?: HelmSetValue[];
  /** A YAML block; parameters are substituted in its string values. */
  values?: string;
  chart?: HelmChart;
}

export interface TemplateResources {
  /** Embedded objects (preserve-unknown); namespaced ones are forced into the instance's namespace. */
  manifests?: Array<Record<string, unknown>>;
  helm?: HelmConfiguration;
}

/** Cluster-scoped. `resources` and `parameters` are top-level: there is no `spec`. */
export interface Template {
  apiVersion: 'config.kiosk.sh/v1alpha1';
  kind: 'Template';
  metadata: ObjectMeta;
  resources?: TemplateResources;
  parameters?: TemplateParameter[];
}

export interface TemplateList {
  apiVersion: 'config.kiosk.sh/v1alpha1';
  kind: 'TemplateList';
  metadata: ListMeta;
  items: Template[];
}

export interface TemplateInstanceParameter {
  name?: string;
  value?: string;
}

export interface TemplateInstanceSpec {
  /** Immutable (webhook). */
  template: string;
  sync?: boolean;
  parameters?: TemplateInstanceParameter[];
}

/** Kiosk writes '' for Pending; 'Pending' is accepted as a synonym on read. */
export type TemplateInstanceDeploymentStatus = '' | 'Pending' | 'Deployed' | 'Failed';

export interface TemplateInstanceStatus {
  status?: TemplateInstanceDeploymentStatus;
  /** CamelCase, when Failed (see TemplateFailureReason). */
  reason?: string;
  message?: string;
  /** The Template resourceVersion last applied. */
  templateResourceVersion?: string;
  /** The last rendered manifests, gzip then base64. */
  templateManifests?: string;
  /** RFC 3339; Kiosk's Go field is LastAppliedAt but the JSON name is observedAt. */
  observedAt?: string;
  /**
   * True when the objects last deployed carry the protected label (the instance is mandatory in its account):
   * an instance deployed before its template became mandatory, or before this field existed, is deployed again.
   */
  protected?: boolean;
}

/** Namespaced. */
export interface TemplateInstance {
  apiVersion: 'config.kiosk.sh/v1alpha1';
  kind: 'TemplateInstance';
  metadata: ObjectMeta;
  spec: TemplateInstanceSpec;
  status?: TemplateInstanceStatus;
}

export interface TemplateInstanceList {
  apiVersion: 'config.kiosk.sh/v1alpha1';
  kind: 'TemplateInstanceList';
  metadata: ListMeta;
  items: TemplateInstance[];
}

/** Every `status.reason` Kiosk's TemplateInstance controller writes. */
export type TemplateFailureReason =
  | 'TemplateNotFound'
  | 'ErrorValidatingParameters'
  | 'ErrorConvertingManifest'
  | 'ErrorReplaceParameters'
  | 'ErrorHelm'
  | 'ParseGroupVersion'
  | 'FindObjectMapping'
  | 'ObjectToYamlError'
  | 'DecompressOldManifests'
  | 'ApplyManifests'
  | 'CompressManifests'
  | 'ErrorUpdatingStatus';

/** On a TemplateInstance: set no owner references on the deployed objects. */
export const TEMPLATE_INSTANCE_NO_OWNER_ANNOTATION = 'templateinstance.config.kiosk.sh/no-owner';

