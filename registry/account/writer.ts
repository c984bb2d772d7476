import { KubeApiError } from '../../storage/client.js';
import { upstreamClientError } from '../generic/upstream-errors.js';
import type { GroupResource } from '../../storage/apimachinery/group-version.js';
import { alreadyExists, conflict, invalid, notFound } from '../../storage/apimachinery/errors.js';
import type { DeleteOptions, WriteContext } from '../write-verbs.js';
import { READ_YOUR_WRITES_MS } from '../write-verbs.js';
import { configToTenancyAccount } from './convert.js';
import type { Account } from './types.js';
import { validateAccount } from './validation.js';

export const ACCOUNTS: GroupResource = { group: 'tenancy.kiosk.sh', resource: 'accounts' };
const OPTIMISTIC_LOCK = 'the object has been modified; please apply your changes to the latest version and try again';

type ConfigAccount = Account<'config.kiosk.sh/v1alpha1'>;

/** What writing Accounts needs from kube-apiserver (the config.kiosk.sh CRD is the store). */
export interface AccountBackend {
  get(name: string): Promise<ConfigAccount | undefined>;
  create(account: ConfigAccount, dryRun: boolean): Promise<ConfigAccount>;
  update(account: ConfigAccount, dryRun: boolean): Promise<ConfigAccount>;
  delete(name: string, options: { dryRun: boolean; propagationPolicy?: string; uid?: string; resourceVersion?: string }): Promise<ConfigAccount>;
  isCurrent(name: string, resourceVersion: string): boolean;
}

/** What the writer reads back from the access index, which serves every read of Accounts. */
export interface AccountIndex {
  /** The resourceVersion of the stored Account the index holds, undefined when it holds none. */
  indexedVersion(name: string): string | undefined;
  waitFor(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

function fromKube(err: unknown, name: string): unknown {
  if (!(err instanceof KubeApiError)) return err;
  if (err.statusCode === 409 && err.reason === 'AlreadyExists') return alreadyExists(ACCOUNTS, name);
  if (err.statusCode === 409) return conflict(ACCOUNTS, name, OPTIMISTIC_LOCK);
  if (err.statusCode === 404) return notFound(ACCOUNTS, name);
  if (err.statusCode === 422 && err.status?.message) {
    // The CRD's schema rejected it: same causes, our group in the message.
    return invalid('Account', 'tenancy.kiosk.sh', name, ((err.status.details?.causes as Array<{ field?: string; reason?: string; message?: string }> | undefined) ?? [])
      .map((c) => ({ field: c.field ?? '', type: c.reason ?? 'FieldValueInvalid', detail: c.message ?? '' })));
  }
  return upstreamClientError(err) ?? err;
}

/**
 * Accounts written through tenancy.kiosk.sh (RBAC on accounts.tenancy.kiosk.sh decides who: cluster
 * admins) are stored as config.kiosk.sh Accounts. The answer is the stored object, so clients see the
 * fresh resourceVersion; status is never taken from a client (the controller owns it).
 */
export class AccountWriter {
  constructor(private readonly backend: AccountBackend, private readonly index: AccountIndex) {}

  /**
   * Answers once the index shows the write (or after READ_YOUR_WRITES_MS), as the Space writer does, so
   * the client's next read sees its own write even while an informer is catching up.
   */
  /** The index holds `written` or something newer (the controller writes status right after a create). */
  private static atLeast(held: string | undefined, written: string | undefined): boolean {
    if (held === undefined || written === undefined) return false;
    return held === written || (/^\d+$/.test(held) && /^\d+$/.test(written) && BigInt(held) > BigInt(written));
  }

  private async readYourWrite(ctx: WriteContext, name: string, shows: (indexedVersion: string | undefined) => boolean, dryRun = ctx.dryRun): Promise<void> {
    if (!dryRun) await this.index.waitFor(() => shows(this.index.indexedVersion(name)), READ_YOUR_WRITES_MS, ctx.signal);
  }

  private validate(account: Account): void {
    const errors = validateAccount(account);
    if (errors.length > 0) throw invalid('Account', 'tenancy.kiosk.sh', account.metadata.name ?? '', errors);
  }

  async create(ctx: WriteContext, account: Account): Promise<Account> {
    this.validate(account);
    const name = account.metadata.name!;
    const { labels, annotations, ownerReferences, finalizers } = account.metadata;
    try {
      const stored = await this.backend.create({
        apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account',
        metadata: { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}), ...(ownerReferences ? { ownerReferences } : {}), ...(finalizers ? { finalizers } : {}) },
        spec: account.spec ?? {},
      }, ctx.dryRun);
      await this.readYourWrite(ctx, name, (held) => AccountWriter.atLeast(held, stored.metadata.resourceVersion));
      return configToTenancyAccount(stored as Parameters<typeof configToTenancyAccount>[0]);
    } catch (err) {
      throw fromKube(err, name);
    }
  }

  async update(ctx: WriteContext, name: string, account: Account): Promise<Account> {
    const current = await this.backend.get(name);
    if (!current) throw notFound(ACCOUNTS, name);
    const rv = account.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion && !this.backend.isCurrent(name, rv)) throw conflict(ACCOUNTS, name, OPTIMISTIC_LOCK);
    if (account.metadata.uid && account.metadata.uid !== current.metadata.uid) {
      throw invalid('Account', 'tenancy.kiosk.sh', name, [{ field: 'metadata.uid', type: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(account.metadata.uid)}: field is immutable` }]);
    }
    this.validate(account);
    const next: ConfigAccount = {
      ...current,
      metadata: {
        ...current.metadata,
        labels: account.metadata.labels, annotations: account.metadata.annotations,
        ownerReferences: account.metadata.ownerReferences, finalizers: account.metadata.finalizers,
      },
      spec: account.spec ?? {},
    };
    const same = JSON.stringify([current.metadata.labels ?? {}, current.metadata.annotations ?? {}, current.metadata.ownerReferences ?? [], current.metadata.finalizers ?? [], current.spec ?? {}])
      === JSON.stringify([next.metadata.labels ?? {}, next.metadata.annotations ?? {}, next.metadata.ownerReferences ?? [], next.metadata.finalizers ?? [], next.spec]);
    if (same) return configToTenancyAccount(current as Parameters<typeof configToTenancyAccount>[0]);
    try {
      const stored = await this.backend.update(next, ctx.dryRun);
      await this.readYourWrite(ctx, name, (held) => AccountWriter.atLeast(held, stored.metadata.resourceVersion));
      return configToTenancyAccount(stored as Parameters<typeof configToTenancyAccount>[0]);
    } catch (err) {
      throw fromKube(err, name);
    }
  }

  async delete(ctx: WriteContext, name: string, options: DeleteOptions): Promise<Account> {
    const current = await this.backend.get(name);
    if (!current) throw notFound(ACCOUNTS, name);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw conflict(ACCOUNTS, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion && !this.backend.isCurrent(name, pre.resourceVersion)) {
      throw conflict(ACCOUNTS, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    try {
      const dryRun = ctx.dryRun || options.dryRun;
      const deleted = await this.backend.delete(name, { dryRun, propagationPolicy: options.propagationPolicy, uid: current.metadata.uid });
      // A finalizer keeps it, marked for deletion (the Account comes back); otherwise a Status does.
      const kept = deleted.kind === 'Account';
      await this.readYourWrite(ctx, name, (held) => held === undefined || (kept && AccountWriter.atLeast(held, deleted.metadata.resourceVersion)), dryRun);
      return configToTenancyAccount((kept ? deleted : current) as Parameters<typeof configToTenancyAccount>[0]);
    } catch (err) {
      throw fromKube(err, name);
    }
  }
}
