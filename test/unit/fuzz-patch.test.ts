// Fuzz tier, unit level: JSON patches and merge patches (generated operations, pointers and values, patch
// bombs, mutated text) decoded and applied to generated Spaces and Accounts as the patch handler does, then
// checked for unknown fields and marshalled for a strict error. Contract as in fuzz-decode.test.ts.
import { runTarget } from '../fuzz/case-runner.js';
import { fuzzSettings } from '../fuzz/cases.js';

const settings = fuzzSettings(0x706174, 120);

describe('fuzz: patches', () => {
  for (const target of ['patch-space', 'patch-account']) {
    it(`${target}: every patch applies or gives a 4xx Status`, async () => {
      const { log, ran } = await runTarget(target, settings);
      expect(ran).toBe(settings.runs);
      expect(log.report()).toEqual([]);
    });
  }
});
