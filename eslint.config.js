// The dependency rule of the architecture: apiserver -> registry -> storage, never backwards.
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
    rules: forbid(['apiserver', 'registry'], 'storage must not depend on apiserver or registry (apiserver -> registry -> storage)'),
  },
);
