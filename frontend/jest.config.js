// Jest: TypeScript through SWC; Grafana's packages and some of their dependencies ship ESM only (.mjs),
// so node_modules are transformed too, except the big CommonJS ones that need no transform.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true },
      transform: { react: { runtime: 'automatic' } },
      target: 'es2020',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'jest-environment-jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}'],
  setupFilesAfterEnv: ['<rootDir>/jest-setup.js'],
  moduleNameMapper: {
    '\\.(css|scss|sass)$': 'identity-obj-proxy',
    '^react-inlinesvg$': '<rootDir>/jest/react-inlinesvg.js',
  },
  transform: {
    '^.+\\.(t|j)sx?$': swc,
    '^.+\\.mjs$': swc,
  },
  transformIgnorePatterns: [
    'node_modules/(?!(ol|react-colorful|react-calendar|get-user-locale|memoize|mimic-function|@wojtekmaj|d3-[a-z-]+|internmap|@grafana/lezer-[a-z]+|marked|uuid)/)',
  ],
};
