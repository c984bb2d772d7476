import { gunzipSync, gzipSync } from 'node:zlib';
import { isDNS1123Subdomain } from '../../storage/apimachinery/validation.js';
import type { Logger } from '../../storage/logger.js';
import { Workqueue } from '../../storage/workqueue.js';
import type { WorkqueueMetricsProvider } from '../../storage/workqueue.js';
import { canonicalJson } from '../../storage/apimachinery/canonical-json.js';
import type { EventSink } from '../events.js';
import { discardEvents, errorNote, referenceTo } from '../events.js';
import { GoRegexpWorker } from '../../storage/apimachinery/go-regexp/worker.js';
import { helmSecretRefs, helmTemplateArgs, parseHelmOutput } from './helm.js';
import { getOwn, isPlainObject } from './plain-data.js';
import { forceNamespace, RenderError, renderManifests, substituteInValues, templateNotFoundMessage, validateParameters } from './render.js';
import type { Template, TemplateInstance } from './types.js';
import type { Account } from '../account/types.js';
import { mandatoryTemplatesOf, PROTECTED_LABEL } from '../protection/protected-objects.js';
import { TEMPLATE_INSTANCE_NO_OWNER_ANNOTATION } from './types.js';

/** A deployed object, as remembered in status.templateManifests for pruning. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface Mapping {
  prefix: string;
  resource: string;
  namespaced: boolean;
}

/** What the controller writes with (implemented in storage over kube-apiserver). */
export interface TemplateBackend {
  mapping(apiVersion: string, kind: string): Promise<Mapping | undefined>;
  /** Server-side apply of a rendered object at its mapped path. */
  apply(mapping: Mapping, obj: Record<string, unknown> & { metadata: { name: string; namespace?: string } }): Promise<void>;
  /** Deletes a pruned object, unless it is gone already or annotated `helm.sh/resource-policy: keep`. */
  remove(mapping: Mapping, ref: ObjectRef): Promise<void>;
  patchInstanceStatus(namespace: string, name: string, status: TemplateInstance['status']): Promise<void>;
  /** Runs `helm template` with the arguments and values document; resolves with its output. */
  helmTemplate(args: string[], values: string | undefined): Promise<string>;
  secretValue(ref: { namespace: string; name: string; key: string }): Promise<string | undefined>;
}

export interface TemplateSource {
  instance(namespace: string, name: string): TemplateInstance | undefined;
  instancesOfTemplate(template: string): TemplateInstance[];
  template(name: string): Template | undefined;
  /**
   * The Template as kube-apiserver has it now (undefined: it does not exist). Read only when the informer has
   * not seen it: `kubectl apply` of a Template and an instance naming it reaches us in one breath, and the
   * instance must not fail TemplateNotFound because the Template's watch event is still on its way.
   */
  liveTemplate(name: string): Promise<Template | undefined>;
  namespace(name: string): { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined;
  account(name: string): { metadata: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Account['spec'] } | undefined;
}

export const encodeRefs = (refs: ObjectRef[]) => gzipSync(Buffer.from(JSON.stringify(refs))).toString('base64');

/** The most decodeRefs inflates: a status is at most a few MiB, and a small gzip can claim gigabytes. */
const MAX_REFS_BYTES = 8 * 1024 * 1024;

/**
 * The objects a status says were deployed; [] for anything that does not read as such (a status is data
 * someone wrote: entries that are not refs are dropped, and the inflated size is bounded).
 */
export function decodeRefs(text: string | undefined): ObjectRef[] {
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(Buffer.from(text, 'base64'), { maxOutputLength: MAX_REFS_BYTES }).toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const nonEmpty = (v: unknown) => typeof v === 'string' && v !== '';
  return parsed.filter((r): r is ObjectRef => isPlainObject(r) && nonEmpty(getOwn(r, 'apiVersion')) && nonEmpty(getOwn(r, 'kind')) && nonEmpty(getOwn(r, 'name'))
    && (getOwn(r, 'namespace') === undefined || typeof getOwn(r, 'namespace') === 'string'))
    .map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}) }));
}
const refKey = (r: ObjectRef) => `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/** A failure already reported in status and as an Event; thrown so the workqueue retries with backoff. */
class DeployFailure extends Error {}

type Waiter = { namespace: string; names: Set<string>; resolve: (outcome: DeployOutcome) => void };
export type DeployOutcome = { ok: true } | { ok: false; name: string; reason: string; message: string } | { ok: false; timeout: true };

/**
 * Deploys TemplateInstances: renders the Template with the instance's parameters, applies every object
 * (server-side apply, our field manager) with an owner reference to the instance (namespaced objects) or
 * the Template (cluster-scoped ones), and prunes what an earlier version deployed and this one no longer
 * has. Sync instances follow their Template; failures are retried with backoff for every instance, not
 * only sync ones. Status is written only when it changes. Each failure is also a Warning Event on the
 * instance (repeats aggregate into one Event's series), and a change to Deployed a Normal one, so a tenant
 * sees both with `kubectl get events -n <space>`.
 */
export class TemplateInstanceController {
  private readonly queue: Workqueue;
  private readonly waiters = new Set<Waiter>();

  /**
   * `regexps` matches validation patterns off the event loop; the controller closes it in close(). Its
   * thread starts with the first validation, not here.
   */
  constructor(private readonly source: TemplateSource, private readonly backend: TemplateBackend, private readonly log: Logger,
    private readonly events: EventSink = discardEvents, queueMetrics?: WorkqueueMetricsProvider,
    private readonly regexps: GoRegexpWorker = new GoRegexpWorker()) {
    this.queue = new Workqueue({ name: 'templateinstance', concurrency: 4, baseDelayMs: 500, maxDelayMs: 300_000, metrics: queueMetrics },
      (key) => this.reconcile(key), log);
  }

  // Objects read from the cluster always carry a name, namespace and uid: `?? ''` below only answers ObjectMeta's
  // optional fields (optional for what a client sends), it never picks a different value.
  onInstance(ti: TemplateInstance): void {
    this.queue.add(`${ti.metadata.namespace ?? ''}/${ti.metadata.name ?? ''}`);
    this.notify(ti);
  }

  onTemplate(template: Template): void {
    for (const ti of this.source.instancesOfTemplate(template.metadata.name ?? '')) {
      if (ti.spec.sync) this.queue.add(`${ti.metadata.namespace ?? ''}/${ti.metadata.name ?? ''}`);
    }
  }

  start(): void {
    this.queue.start();
  }

  /** Stops deploying (leadership lost); waiters keep waiting: another replica's controller may deploy. */
  stop(): void {
    this.queue.stop();
  }

  /** At shutdown: nothing will be waited for any more. */
  close(): void {
    this.stop();
    this.regexps.close();
    for (const w of [...this.waiters]) w.resolve({ ok: false, timeout: true });
  }

  /**
   * Resolves when every named instance in the namespace is Deployed, at the first that Failed, or at the
   * timeout; driven by the instances' watch events, not by polling.
   */
  waitForDeployed(namespace: string, names: string[], timeoutMs: number): Promise<DeployOutcome> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        namespace, names: new Set(names),
        resolve: (outcome) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(outcome);
        },
      };
      const timer = setTimeout(() => waiter.resolve({ ok: false, timeout: true }), timeoutMs);
      this.waiters.add(waiter);
      for (const n of names) {
        const ti = this.source.instance(namespace, n);
        if (ti) this.notify(ti);
      }
    });
  }

  private notify(ti: TemplateInstance): void {
    for (const w of this.waiters) {
      if (w.namespace !== ti.metadata.namespace || !w.names.has(ti.metadata.name ?? '')) continue;
      const status = ti.status?.status;
      if (status === 'Failed') {
        w.resolve({ ok: false, name: ti.metadata.name ?? '', reason: ti.status?.reason ?? '', message: ti.status?.message ?? '' });
      } else if ([...w.names].every((n) => this.source.instance(w.namespace, n)?.status?.status === 'Deployed')) {
        w.resolve({ ok: true });
      }
    }
  }

  /** Writes the status if it changed (observedAt aside); says whether it did. */
  private async setStatus(ti: TemplateInstance, status: NonNullable<TemplateInstance['status']>): Promise<boolean> {
    const { observedAt: _a, ...next } = status;
    const { observedAt: _b, ...current } = ti.status ?? {};
    if (canonicalJson(next) === canonicalJson(current)) return false;
    await this.backend.patchInstanceStatus(ti.metadata.namespace ?? '', ti.metadata.name ?? '', status);
    return true;
  }

  private event(ti: TemplateInstance, type: 'Normal' | 'Warning', reason: string, note: string): void {
    this.events.record({ regarding: referenceTo('config.kiosk.sh/v1alpha1', 'TemplateInstance', ti.metadata), type, reason, action: 'Deploying', note });
  }

  private async fail(ti: TemplateInstance, reason: string, message: string): Promise<never> {
    // Every attempt, not only a change of status: the recorder folds the repeats into the Event's series,
    // whose count and last time tell the tenant the failure is still current.
    this.event(ti, 'Warning', 'DeployFailed', message);
    try {
      await this.setStatus(ti, { ...ti.status, status: 'Failed', reason, message, observedAt: new Date().toISOString() });
    } catch (err) {
      throw new DeployFailure(`${reason}: ${message} (writing the status failed: ${errorNote(err)})`);
    }
    // Thrown so the workqueue retries with backoff: a template or parameter fix then heals the instance.
    throw new DeployFailure(`${reason}: ${message}`);
  }

  /** A Helm chart rendered with `helm template` (values with parameters substituted, credentials from Secrets). */
  private async renderHelm(template: Template, ti: TemplateInstance, namespace: string, context: Parameters<typeof substituteInValues>[3]) {
    const helm = template.resources?.helm;
    if (!helm) throw new Error('renderHelm is called for a Template with resources.helm');
    const refs = helmSecretRefs(helm);
    const read = async (ref: { namespace: string; name: string; key: string } | undefined) => {
      if (!ref) return undefined;
      const value = await this.backend.secretValue(ref);
      if (value === undefined) throw new RenderError('ErrorHelm', `Error during helm template: couldn't find key '${ref.key}' in secret ${ref.namespace}/${ref.name}`);
      return value;
    };
    const [username, password] = [await read(refs.username), await read(refs.password)];
    const values = helm.values ? substituteInValues(helm.values, template, ti, context) : undefined;
    const args = helmTemplateArgs(template.metadata.name ?? '', helm, namespace, { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) });
    let output: string;
    try {
      output = await this.backend.helmTemplate(args, values);
    } catch (err) {
      throw new RenderError('ErrorHelm', `Error during helm template: ${(err as Error).message}`);
    }
    return parseHelmOutput(output);
  }

  private async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const ti = this.source.instance(namespace, name);
    if (!ti || ti.metadata.deletionTimestamp) return;
    try {
      await this.deploy(ti, namespace);
    } catch (err) {
      // Failures fail() did not report (kube-apiserver unreachable, pruning refused) are the tenant's news too.
      if (!(err instanceof DeployFailure)) this.event(ti, 'Warning', 'DeployFailed', errorNote(err));
      throw err;
    }
  }

  private async deploy(ti: TemplateInstance, namespace: string): Promise<void> {
    // spec.template is the tenant's text: a name no Template can have (a megabyte, a path) is not found without asking.
    const template = this.source.template(ti.spec.template)
      ?? (isDNS1123Subdomain(ti.spec.template).length === 0 ? await this.source.liveTemplate(ti.spec.template) : undefined);
    const ns = this.source.namespace(namespace);
    const accountName = ns?.metadata.labels?.['kiosk.sh/account'];
    // A mandatory instance's objects are labelled protected: the protection webhook keeps tenants off them.
    const mandatory = accountName !== undefined && mandatoryTemplatesOf(this.source.account(accountName)).has(ti.spec.template);
    if (ti.status?.status === 'Deployed' && (!ti.spec.sync || ti.status.templateResourceVersion === template?.metadata.resourceVersion)
      && (!mandatory || ti.status.protected === true)) return;
    if (!template) return this.fail(ti, 'TemplateNotFound', templateNotFoundMessage(ti.spec.template));

    let objects: Array<Record<string, unknown> & { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } }>;
    const context = {
      namespace: ns ?? { metadata: { name: namespace } },
      ...(accountName ? { account: this.source.account(accountName) ?? undefined, accountName } : {}),
    };
    try {
      await validateParameters(template, ti, this.regexps.match);
      objects = renderManifests(template, ti, context) as typeof objects;
      const helm = template.resources?.helm;
      if (helm) objects.push(...await this.renderHelm(template, ti, namespace, context) as typeof objects);
    } catch (err) {
      if (err instanceof RenderError) return this.fail(ti, err.reason, err.message);
      throw err;
    }

    // Kiosk reads the no-owner annotation from the TemplateInstance; one on a single object is honoured too.
    const instanceNoOwner = ti.metadata.annotations?.[TEMPLATE_INSTANCE_NO_OWNER_ANNOTATION] === 'true';
    const applied: ObjectRef[] = [];
    for (const obj of objects) {
      // Whatever a manifest holds is printed as it is: a value that is not a string finds no mapping, and says so.
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- see above
      const apiVersion = String(getOwn(obj, 'apiVersion') ?? '');
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- see above
      const kind = String(getOwn(obj, 'kind') ?? '');
      const mapping = await this.backend.mapping(apiVersion, kind);
      if (!mapping) return this.fail(ti, 'FindObjectMapping', `no matches for kind "${kind}" in version "${apiVersion}"`);
      forceNamespace(obj, mapping.namespaced ? namespace : '');
      // Read as unstructured.Unstructured reads it: a metadata that is not a map has no name.
      const metadata = getOwn(obj, 'metadata');
      const name = isPlainObject(metadata) ? getOwn(metadata, 'name') : undefined;
      if (typeof name !== 'string' || name === '') return this.fail(ti, 'ApplyManifests', 'resource name may not be empty');
      const meta = metadata as { name: string; annotations?: unknown; labels?: unknown };
      const annotations = isPlainObject(meta.annotations) ? meta.annotations : {};
      if (mandatory && (meta.labels === undefined || meta.labels === null || isPlainObject(meta.labels))) {
        meta.labels = { ...(meta.labels ?? {}), [PROTECTED_LABEL]: 'true' };
      }
      if (!instanceNoOwner && getOwn(annotations, TEMPLATE_INSTANCE_NO_OWNER_ANNOTATION) !== 'true') {
        const owner = mapping.namespaced
          ? { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'TemplateInstance', name: ti.metadata.name ?? '', uid: ti.metadata.uid ?? '', controller: true }
          : { apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Template', name: template.metadata.name ?? '', uid: template.metadata.uid ?? '', controller: true };
        (meta as Record<string, unknown>).ownerReferences = [owner];
      }
      try {
        await this.backend.apply(mapping, obj);
      } catch (err) {
        return this.fail(ti, 'ApplyManifests', err instanceof Error ? err.message : String(err));
      }
      applied.push({ apiVersion, kind, ...(mapping.namespaced ? { namespace } : {}), name });
    }

    // Prune what the previous version deployed and this one no longer has (unless marked to keep).
    const now = new Set(applied.map(refKey));
    for (const ref of decodeRefs(ti.status?.templateManifests)) {
      if (now.has(refKey(ref))) continue;
      const mapping = await this.backend.mapping(ref.apiVersion, ref.kind);
      // What this instance deployed lives in its own namespace: a status naming another is not followed.
      if (mapping && (!mapping.namespaced || ref.namespace === namespace)) await this.backend.remove(mapping, ref);
    }
    const changed = await this.setStatus(ti, {
      status: 'Deployed', reason: '', message: '',
      templateResourceVersion: template.metadata.resourceVersion ?? '',
      templateManifests: encodeRefs(applied),
      observedAt: new Date().toISOString(),
      ...(mandatory ? { protected: true } : {}),
    });
    if (changed) this.event(ti, 'Normal', 'Deployed', `Deployed ${applied.length} object(s) of template '${template.metadata.name ?? ''}'`);
    this.log.v(2).info('template instance deployed', { namespace, name: ti.metadata.name, objects: applied.length });
  }
}
