// Jest runs the compiled JavaScript in dist/ (npm test builds first), in native ESM mode:
// @kubernetes/client-node 1.x is ESM-only, and running what tsc emitted needs no transformer.
const common = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/dist/test'],
  transform: {},
};

export default {
  // Integration tests drive a real control plane; namespace deletion alone takes several seconds.
  testTimeout: 120000,
  // Integration suites share one control plane (and one restarts kube-apiserver): run files one at a time.
  // maxWorkers cannot differ per project, so one worker is the default that is safe for both, and
  // `npm run test:unit` (which `npm test` runs before the integration project) asks for one per CPU: unit
  // suites share nothing (temp folders from mkdtemp, port 0, no environment writes).
  maxWorkers: 1,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/dist/test/unit/**/*.test.js'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/dist/test/integration/**/*.test.js', '<rootDir>/dist/test/e2e/**/*.test.js'],
      globalSetup: '<rootDir>/dist/test/cluster/jest-global-setup.js',
      globalTeardown: '<rootDir>/dist/test/cluster/jest-global-teardown.js',
    },
    // ESLint over the sources (type-checked): run beside the integration project, serially.
    { ...common, displayName: 'lint', testMatch: ['<rootDir>/dist/test/lint/**/*.test.js'] },
  ],
};
