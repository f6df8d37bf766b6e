import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('oidc-provider loader', () => {
  it('loads oidc-provider without its "Unsupported runtime" warning on the Node versions the README supports', () => {
    const loader = join(__dirname, 'oidc-provider.loader.ts');
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', `console.log(typeof require(${JSON.stringify(loader)}).Provider)`], {
      cwd: join(__dirname, '../..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stdout.trim()).toBe('function');
    expect(result.stderr).not.toContain('Unsupported runtime');
  });
});
