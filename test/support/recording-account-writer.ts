import type { AccountWriter } from '../../registry/account/controller.js';
import type { ApplyTarget } from '../../storage/object-writer.js';

/**
 * An AccountWriter that writes nothing and records each apply, delete and patch as
 * `<verb> <plural> <namespace>/<name>` in `writes`, for unit tests of the account controller.
 */
export function recordingAccountWriter(writes: string[]): AccountWriter {
  const record = (verb: string) => async <T>(obj: ApplyTarget, plural: string) => {
    writes.push(`${verb} ${plural} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
    return Promise.resolve({} as T);
  };
  return { apply: record('apply'), patchStatus: async <T>() => Promise.resolve({} as T), remove: record('delete'), patch: record('patch') };
}
