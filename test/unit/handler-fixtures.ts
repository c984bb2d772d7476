/**
 * The HTTP handlers (apiserver/handlers/) mounted by the installer for a Space-shaped resource, on a loopback
 * port, over a fake of the registry's verb interfaces (registry/rest.ts, registry/write-verbs.ts) that records
 * what each verb was asked and answers what the test scripts.
 */
import { Registry } from 'prom-client';
import { installResource } from '../../apiserver/endpoints/installer.js';
import { WatchTracker } from '../../apiserver/handlers/watch-tracker.js';
import { definitionName, allSchemas } from '../../registry/openapi/schemas.js';
import { TENANCY_GROUP, TENANCY_VERSION } from '../../registry/resource.js';
import type { ListOptions, ListResult, RequestContext, WatchEvent, WatchHandle } from '../../registry/rest.js';
import { spaceResource } from '../../registry/space/resource.js';
import { spaceTable } from '../../registry/space/table.js';
import type { Space } from '../../registry/space/types.js';
import type { Applied, ApplyOptions, DeleteOptions, WriteContext } from '../../registry/write-verbs.js';
import { validateNamespaceName } from '../../storage/apimachinery/meta-validation.js';
import type { LoopbackApp } from './loopback-app.js';
import { serveLoopback } from './loopback-app.js';

export const SPACES_PATH = `/apis/${TENANCY_GROUP}/${TENANCY_VERSION}/spaces`;

export const space = (name: string, rv = '5', account = 'acct'): Space => ({
  apiVersion: `${TENANCY_GROUP}/${TENANCY_VERSION}`, kind: 'Space',
  metadata: { name, resourceVersion: rv, uid: `uid-${name}`, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { account }, status: { phase: 'Active' },
});

/** One call of a verb: its context (without the abort signal) and arguments. */
export interface Call {
  verb: string;
  user: string;
  name?: string;
  object?: Space;
  options?: unknown;
  dryRun?: boolean;
  fieldManager?: string;
}

/** A storage implementing every verb; each answers with `answer` (or throws what it returns as an Error). */
export class FakeSpaces {
  calls: Call[] = [];
  /** The verbs' answer: what get/create/update/delete return, or an error they throw. */
  answer: (call: Call) => Space | Error = (call) => call.object ?? space(call.name ?? 'a');
  /** What list answers. */
  listed: ListResult<Space> = { metadata: { resourceVersion: '9' }, items: [space('a'), space('b')] };
  /** What watch sends at once, before it resolves; or an error it rejects with. */
  initial: Array<WatchEvent<Space>> | Error = [];
  /** Warnings a write adds to its context (as a writer does for fieldValidation=Warn). */
  warn: string[] = [];
  rv = '9';
  openWatches = 0;
  sinks: Array<(e: WatchEvent<Space>) => void> = [];

  private reply(call: Call): Promise<Space> {
    this.calls.push(call);
    const a = this.answer(call);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  }

  get(ctx: RequestContext, name: string): Promise<Space> {
    return this.reply({ verb: 'get', user: ctx.user.username, name });
  }

  list(ctx: RequestContext, options: ListOptions): Promise<ListResult<Space>> {
    this.calls.push({ verb: 'list', user: ctx.user.username, options });
    return Promise.resolve(this.listed);
  }

  watch(ctx: RequestContext, options: ListOptions, sink: (e: WatchEvent<Space>) => void): Promise<WatchHandle> {
    this.calls.push({ verb: 'watch', user: ctx.user.username, options });
    if (this.initial instanceof Error) return Promise.reject(this.initial);
    for (const e of this.initial) sink(e);
    this.openWatches++;
    this.sinks.push(sink);
    return Promise.resolve({ close: () => { this.openWatches--; } });
  }

  currentResourceVersion(): string {
    return this.rv;
  }

  create(ctx: WriteContext, obj: Space): Promise<Space> {
    ctx.warnings.push(...this.warn);
    return this.reply({ verb: 'create', user: ctx.user.username, object: structuredClone(obj), dryRun: ctx.dryRun, fieldManager: ctx.fieldManager });
  }

  update(ctx: WriteContext, name: string, obj: Space): Promise<Space> {
    ctx.warnings.push(...this.warn);
    return this.reply({ verb: 'update', user: ctx.user.username, name, object: structuredClone(obj), dryRun: ctx.dryRun, fieldManager: ctx.fieldManager });
  }

  delete(ctx: WriteContext, name: string, options: DeleteOptions): Promise<Space> {
    return this.reply({ verb: 'delete', user: ctx.user.username, name, options, dryRun: ctx.dryRun });
  }

  /** Whether an apply creates (201) or updates (200). */
  applyCreates = false;

  async apply(ctx: WriteContext, name: string, config: Space, options: ApplyOptions): Promise<Applied<Space>> {
    ctx.warnings.push(...this.warn);
    const object = await this.reply({ verb: 'apply', user: ctx.user.username, name, object: structuredClone(config), options, dryRun: ctx.dryRun, fieldManager: ctx.fieldManager });
    return { object, created: this.applyCreates };
  }
}

/**
 * Serves `storage` as the spaces resource, the requesting user named by the X-Test-User header (the
 * authentication filter's job in the real chain).
 */
export function serveSpaces(storage: object): Promise<LoopbackApp> {
  const { router } = installResource<Space>({
    descriptor: spaceResource([]), storage, convertor: spaceTable,
    write: { schemaName: definitionName(TENANCY_GROUP, TENANCY_VERSION, 'Space'), catalogue: allSchemas(), nameValidator: validateNamespaceName },
  }, new WatchTracker(new Registry()));
  return serveLoopback((app) => {
    app.use((req, _res, next) => {
      req.user = { username: req.get('x-test-user') ?? 'dev', groups: ['system:authenticated'], extra: {} };
      next();
    });
    app.use(router);
  });
}
