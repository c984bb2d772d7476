// The dependency rule of the architecture: apiserver -> registry -> storage -> storage/apimachinery, never
// backwards. storage/apimachinery is the bottom floor: Kubernetes' own value types and parsers, ported
// (Status errors, quantity, selectors, field errors, Go-compatible JSON/YAML/regexp), importing nothing of ours.
// Enforced with ESLint's own no-restricted-imports per layer, so no extra plugin is needed.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const forbid = (layers, why) => ({
  'no-restricted-imports': ['error', {
    patterns: layers.map((layer) => ({ group: [`**/${layer}/**`, `**/${layer}`], message: why })),
  }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.sandbox*/**', 'jest.config.js', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The type-checked set: rules that need the type checker (floating promises, unsafe `any`, unnecessary
    // conditions). The project service reuses tsconfig.json, so lint sees exactly the types tsc sees.
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Every message here is built with template literals, counts and sizes included; numbers print the same in
      // any locale. Other types (undefined, objects) are still flagged: they print "undefined" or "[object Object]".
      '@typescript-eslint/restrict-template-expressions': ['error', {
        allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false,
      }],
      // Callbacks are written `() => resolve()`, and middleware declared `: void` ends with `return next(err)`:
      // both return the void of a void function, which is the idiom, not a confusion. Void used as a value
      // elsewhere (in a condition, an assignment, an argument, an untyped function's return) is still flagged.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // In test code (tests, bench, fuzz, the sandbox) a lookup that finds nothing should simply fail the run:
      // `list[0]!.name` throws, with the line, and a guard would only say the same thing in more words. Most are
      // indexes the code just bounded (`ATOMS[r(ATOMS.length)]!`) that noUncheckedIndexedAccess cannot follow.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Fakes of async interfaces are written `async` like the real thing, so that a throw in one is a rejection
      // (what the code under test must handle) and not a synchronous exception; most have nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['registry/**/*.ts'],
    rules: {
      ...forbid(['apiserver'], 'registry must not depend on apiserver (apiserver -> registry -> storage)'),
      'no-restricted-syntax': ['error', { selector: "ImportDeclaration[source.value='express']", message: 'registry never imports express' }],
    },
  },
  {
    files: ['storage/**/*.ts'],
    ignores: ['storage/apimachinery/**'],
    rules: forbid(['apiserver', 'registry'], 'storage must not depend on apiserver or registry (apiserver -> registry -> storage)'),
  },
  // Relative imports may not climb out of storage/apimachinery (one level less from its subfolders).
  ...[['storage/apimachinery/*.ts', '../**'], ['storage/apimachinery/*/*.ts', '../../**']].map(([files, outside]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: [outside, '**/apiserver/**', '**/registry/**'], message: 'storage/apimachinery is the bottom floor: it imports only itself, Node and libraries' }],
      }],
    },
  })),
);
