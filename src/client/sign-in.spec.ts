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
import { AuthFailedError } from './errors';
import { checkIssuer, checkMetadataIssuer, signIn } from './sign-in';

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

  it('signs in anyway when a later request was refused for want of a token (demanded)', async () => {
    const options = parseCliArgs(['--server', base, '--list-tools', '--no-browser']);
    const ctx: SessionContext = {
      options,
      endpoint: endpointFor(options.server, options.transport),
      provider: new ConsoleOAuthProvider(new ConfigStore(dir), options.server),
      reporter: new Reporter(new PassThrough(), new Style(false)),
      browser: { platform: 'linux', env: {} },
    };
    requests.length = 0;
    // This stand-in has no authorization server: the sign-in goes on to discovery, and fails there.
    await expect(signIn(ctx, { demanded: true })).rejects.toThrow(AuthFailedError);
    expect(requests).toEqual(expect.arrayContaining(['POST /mcp', expect.stringMatching(/^GET \/\.well-known\//)]));
  });
});

describe('issuer checks on the sign-in', () => {
  const AS = 'https://as.example.com';
  const info = (metadata: Record<string, unknown> | undefined, url = AS) =>
    ({
      authorizationServerUrl: url,
      authorizationServerMetadata: metadata && { issuer: AS, authorization_endpoint: `${AS}/authorize`, token_endpoint: `${AS}/token`, ...metadata },
    }) as unknown as Parameters<typeof checkIssuer>[1];

  it('takes a response whose iss is the issuer, or one without iss from a server that never promised it (RFC 9207)', () => {
    expect(() => checkIssuer({ kind: 'code', code: 'c', iss: AS }, info({ authorization_response_iss_parameter_supported: true }))).not.toThrow();
    expect(() => checkIssuer({ kind: 'code', code: 'c' }, info({}))).not.toThrow();
  });

  it('refuses a response naming another issuer, compared as plain strings (no URL normalisation)', () => {
    expect(() => checkIssuer({ kind: 'code', code: 'c', iss: 'https://evil.example.com' }, info({}))).toThrow(AuthFailedError);
    expect(() => checkIssuer({ kind: 'code', code: 'c', iss: `${AS}/` }, info({ authorization_response_iss_parameter_supported: true }))).toThrow(
      /came from issuer https:\/\/as\.example\.com\/, not https:\/\/as\.example\.com/,
    );
  });

  it('refuses a response without iss when the server promised to send it', () => {
    expect(() => checkIssuer({ kind: 'code', code: 'c' }, info({ authorization_response_iss_parameter_supported: true }))).toThrow(
      /did not name its issuer/,
    );
  });

  it('uses authorization server metadata only when its issuer is the server it was fetched for (RFC 8414 §3.3)', () => {
    expect(() => checkMetadataIssuer(info({}))).not.toThrow();
    expect(() => checkMetadataIssuer(info({}, `${AS}/`))).not.toThrow();
    expect(() => checkMetadataIssuer(info({ issuer: 'https://attacker.example.com' }))).toThrow(/names another issuer \(https:\/\/attacker\.example\.com\)/);
    expect(() => checkMetadataIssuer(info(undefined))).not.toThrow();
  });
});
