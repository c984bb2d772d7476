import { isPlainObject } from '../../storage/apimachinery/go-json.js';
import type { Account } from '../account/types.js';

/**
 * The label on objects a tenant may not change or delete: the account's isolation NetworkPolicy, the
 * TemplateInstances of its mandatory templates and the objects they deploy. It only selects what the protection
 * webhook is sent (its objectSelector); whether an object is protected is decided from the account as it is now
 * (protectionOf), so a tenant who labels their own object gains nothing, and an object of a template the account
 * no longer mandates is the tenant's again.
 */
export const PROTECTED_LABEL = 'kiosk.sh/protected';

/** The NetworkPolicy the account controller keeps in every space of an account with `isolation.network: Account`. */
export const ISOLATION_POLICY_NAME = 'kiosk-account-isolation';

/** The templates an account instantiates in every space (entries without a template create nothing). */
export function mandatoryTemplatesOf(account: { spec?: Account['spec'] } | undefined): Set<string> {
  const entries = account?.spec?.space?.templateInstances ?? [];
  return new Set(entries.flatMap((e: { spec?: { template?: string } }) => (e.spec?.template ? [e.spec.template] : [])));
}

/** The parts of an object in a review that decide whether it is protected. */
export interface ReviewedObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: {
    name?: unknown;
    labels?: unknown;
    ownerReferences?: unknown;
  };
  spec?: unknown;
}

/** What protectionOf reads: the account, and the template an instance in a namespace deploys. */
export interface ProtectionSource {
  account(name: string): Account | undefined;
  templateOfInstance(namespace: string, name: string): string | undefined;
}

/** A network isolation the account asks for (the Account is the informer's: typed by the CRD schema). */
function isolatesNetwork(account: Account): boolean {
  return account.spec.isolation?.network === 'Account';
}

/**
 * Why an object in a namespace of `account` is protected (the end of the sentence "it ..."), or undefined when it
 * is not: the label is there and the object is the isolation policy of an isolating account, a mandatory
 * TemplateInstance, or owned by one.
 */
export function protectionOf(object: ReviewedObject | undefined, namespace: string, accountName: string, source: ProtectionSource): string | undefined {
  if (!object || !isPlainObject(object.metadata)) return undefined;
  const labels = object.metadata.labels;
  if (!isPlainObject(labels) || labels[PROTECTED_LABEL] !== 'true') return undefined;
  const account = source.account(accountName);
  if (!account) return undefined;
  const { apiVersion, kind } = object;
  const name = object.metadata.name;
  if (apiVersion === 'networking.k8s.io/v1' && kind === 'NetworkPolicy' && name === ISOLATION_POLICY_NAME && isolatesNetwork(account)) {
    return `keeps the network isolation of account ${accountName}`;
  }
  const mandatory = mandatoryTemplatesOf(account);
  if (apiVersion === 'config.kiosk.sh/v1alpha1' && kind === 'TemplateInstance') {
    const template = isPlainObject(object.spec) ? object.spec.template : undefined;
    if (typeof template === 'string' && mandatory.has(template)) return `instantiates template ${template}, mandatory in account ${accountName}`;
    return undefined;
  }
  const owners = Array.isArray(object.metadata.ownerReferences) ? object.metadata.ownerReferences as unknown[] : [];
  for (const owner of owners) {
    if (!isPlainObject(owner) || owner.kind !== 'TemplateInstance' || owner.apiVersion !== 'config.kiosk.sh/v1alpha1' || typeof owner.name !== 'string') continue;
    const template = source.templateOfInstance(namespace, owner.name);
    if (template !== undefined && mandatory.has(template)) return `was deployed by template ${template}, mandatory in account ${accountName}`;
  }
  return undefined;
}
