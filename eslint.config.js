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
