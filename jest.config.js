// ESM-only packages (jose, openid-client, oauth4webapi, oidc-provider) cannot be
// required by Jest's CommonJS runtime: they are transformed like our own code.
const esmOnly = ['jose', 'openid-client', 'oauth4webapi', 'oidc-provider'];
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnly.join('|')})/)`];
const transform = {
  '^.+\\.(t|j|mj)s$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
};
const common = {
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '\\.spec\\.ts$' },
    { ...common, displayName: 'e2e', rootDir: '.', roots: ['<rootDir>/test'], testRegex: '\\.e2e-spec\\.ts$' },
  ],
};
