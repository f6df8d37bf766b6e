import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseCliArgs } from './args';
import { ConfigStore } from './config-store';
import { ConsoleOAuthProvider } from './oauth-provider';
import { Reporter, Style } from './output';
import { endpointFor, SessionContext } from './session-context';
import { signIn } from './sign-in';

describe('signIn against a server that does not ask for one', () => {
  let server: Server;
  let dir: string;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 0, result: {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'client-sign-in-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers false after the token-less request succeeds: no discovery, no registration, no browser', async () => {
    const options = parseCliArgs(['--server', base, '--list-tools']);
    const stderr = new PassThrough();
    let narrated = '';
    stderr.on('data', (chunk: Buffer) => (narrated += chunk.toString()));
    const ctx: SessionContext = {
      options,
      endpoint: endpointFor(options.server, options.transport),
      provider: new ConsoleOAuthProvider(new ConfigStore(dir), options.server),
      reporter: new Reporter(stderr, new Style(false)),
      browser: { platform: 'linux', env: { BROWSER: 'false' } },
    };

    await expect(signIn(ctx)).resolves.toBe(false);
    expect(requests).toEqual(['POST /mcp']);
    expect(ctx.provider.hasStoredSignIn()).toBe(false);
    expect(narrated).toContain('did not ask for a sign-in (HTTP 200');
  });
});
