// Fuzz tier, unit level: AdmissionReviews for every hook the server serves (accountquota,
// validate-accountquota, validate-account) with generated pods, services, claims, AccountQuotas and Accounts
// (huge and malformed quantities, wrong types, prototype keys), read as apiserver/admission/webhook.ts reads
// them and decided by the registry's code over an in-memory quota source and ledger; and the conversions of
// stored objects a tenant wrote. Contract: no exception (the webhook would turn it into a 500 denial, which
// kube-apiserver hands to the user as a 500), no denial with a code of 500 or more, no prototype change.
import { runTarget } from '../fuzz/case-runner.js';
import { fuzzSettings } from '../fuzz/cases.js';

const settings = fuzzSettings(0x61646d, 200);

describe('fuzz: admission and conversion', () => {
  for (const target of ['admission', 'convert']) {
    it(`${target}: every case is decided with an allow or a 4xx`, async () => {
      const { log, ran } = await runTarget(target, settings);
      expect(ran).toBe(settings.runs);
      expect(log.report()).toEqual([]);
    });
  }
});
