import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Connection, McpClient } from './connection';
import { Session } from './session';
import type { SessionContext } from './session-context';
import { signIn } from './sign-in';

jest.mock('./sign-in', () => ({ signIn: jest.fn() }));
jest.mock('./connection', () => ({
  ...jest.requireActual<object>('./connection'),
  ensureFreshTokens: jest.fn(async () => 'ready'),
  openConnection: jest.fn(async (_ctx: unknown, fetchFn: typeof fetch) => {
    opened.push(fetchFn);
    return { client: {} as McpClient, protocolVersion: '2025-11-25', close: async () => undefined } satisfies Connection;
  }),
}));
const opened: (typeof fetch)[] = [];

/** The step-up server: every path answers with the WWW-Authenticate challenge it names. */
describe('Session re-authorization when the server refuses a request', () => {
  let server: Server;
  let base: string;
  let signedInScope: string | undefined;
  const signIns: (string | undefined)[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const challenge = decodeURIComponent(req.url!.slice(1));
      res.writeHead(challenge.includes('insufficient_scope') ? 403 : 401, { 'www-authenticate': challenge });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    signIns.length = 0;
    signedInScope = 'mcp:basic';
    jest.mocked(signIn).mockImplementation(async (_ctx, { scope } = {}) => {
      signIns.push(scope);
      signedInScope = scope;
      return true;
    });
  });

  function session(): Session {
    const ctx = {
      reporter: { warn: () => undefined, step: () => undefined },
      provider: { get signedInScope() { return signedInScope; }, tokens: () => undefined },
    } as unknown as SessionContext;
    return new Session(ctx);
  }

  /** A request refused with `challenges` in turn (through the transport's fetch), then answered. */
  const refusedWith = (...challenges: string[]) => async (): Promise<string> => {
    const next = challenges.shift();
    if (next === undefined) return 'answered';
    await opened.at(-1)!(`${base}/${encodeURIComponent(next)}`);
    throw new UnauthorizedError();
  };

  it('on 403 insufficient_scope signs in again asking for the union of the scope it had and the challenged one', async () => {
    await expect(session().run(refusedWith('Bearer error="insufficient_scope", scope="mcp:write"'))).resolves.toBe('answered');
    expect(signIns).toEqual(['mcp:basic mcp:write']);
  });

  it('asks for the scope of a 401 challenge that first comes on a later request, then steps up from there', async () => {
    signedInScope = undefined;
    const work = refusedWith('Bearer scope="mcp:basic"', 'Bearer error="insufficient_scope", scope="mcp:write"');
    await expect(session().run(work)).resolves.toBe('answered');
    expect(signIns).toEqual(['mcp:basic', 'mcp:basic mcp:write']);
  });

  it('steps up once per request: a second insufficient_scope is final (no authorization loop)', async () => {
    const stepUp = 'Bearer error="insufficient_scope", scope="mcp:admin"';
    await expect(session().run(refusedWith(stepUp, stepUp, stepUp))).rejects.toThrow(UnauthorizedError);
    expect(signIns).toEqual(['mcp:basic mcp:admin']);
  });
});
