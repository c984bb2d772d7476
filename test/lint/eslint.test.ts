// The lint gate in npm test: ESLint's type-checked rules and the layer rule (apiserver -> registry -> storage ->
// storage/apimachinery) over the TypeScript sources, with zero findings. It runs in the serial second jest
// invocation, beside the integration suites, because type-checking the whole tree is a minute of CPU that would
// otherwise stretch the parallel unit run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from '../cluster/paths.js';

describe('ESLint over the sources', () => {
  it('finds nothing: type-checked rules and the layer rule', async () => {
    const eslint = new ESLint({ cwd: repoRoot() });
    const results = await eslint.lintFiles(['.']);
    const findings = results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(repoRoot().length + 1)}:${String(m.line)}:${String(m.column)} ${m.ruleId ?? 'parse'}: ${m.message}`));
    expect(findings).toEqual([]);
    // Every source file was linted, not only some (an ignore pattern gone wrong would pass vacuously).
    expect(results.filter((r) => r.filePath.includes('/registry/generic/')).length).toBeGreaterThan(0);
    expect(results.length).toBeGreaterThan(300);
  }, 600_000);

  it('type-checks every file: no file is exempted from the type-checked rules', () => {
    const config = readFileSync(join(repoRoot(), 'eslint.config.js'), 'utf8');
    expect(config).not.toMatch(/notYetTypeChecked|TEMPORARY/);
  });
});
