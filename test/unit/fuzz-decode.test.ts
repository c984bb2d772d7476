// Fuzz tier, unit level: Space and Account bodies generated from the published OpenAPI schemas and mutated
// (nulls, wrong types, unknown and duplicate fields, deep nesting, huge strings and numbers, unicode,
// prototype keys, YAML bombs, wrong content types), DeleteOptions, and write/list query parameters, through
// the pure decoding and validation the handlers run. Contract: only StatusErrors with 4xx codes escape, no
// built-in prototype gains a key, no case exhausts the heap or hangs. Seeded; FUZZ_SEED and FUZZ_RUNS
// replay or lengthen a run. A failure lists each distinct breach with the case that shows it.
import { caseCount, runTarget } from '../fuzz/case-runner.js';
import { fuzzSettings } from '../fuzz/cases.js';

const settings = fuzzSettings(0x6b696f, 120);

describe('fuzz: decoding and options', () => {
  for (const target of ['decode-yaml', 'decode-space', 'decode-account', 'delete-options', 'options', 'continue-token']) {
    it(`${target}: every case returns or gives a 4xx Status`, async () => {
      const { log, ran } = await runTarget(target, settings);
      expect(ran).toBe(caseCount(target, settings.runs));
      expect(log.report()).toEqual([]);
    });
  }
});
