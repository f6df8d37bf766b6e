import { createServer } from 'node:net';
import { CliError, networkErrorCode, unreachable } from './errors';
import { ExitCode } from './exit-codes';

describe('unreachable', () => {
  it('names a refused connection in one sentence, exit 4', async () => {
    const port = await closedPort();
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    const failure = unreachable(`http://127.0.0.1:${port}/mcp`, error);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure?.exitCode).toBe(ExitCode.Unreachable);
    expect(failure?.message).toBe(`Cannot reach the MCP server at http://127.0.0.1:${port} (connection refused): is it running?`);
  });

  it('still says "cannot reach" for a fetch failure without a system error code', async () => {
    const error = await fetch('http://127.0.0.1:9/').catch((e: unknown) => e); // a port fetch refuses to use
    expect(unreachable('http://127.0.0.1:9/mcp', error)?.message).toBe('Cannot reach the MCP server at http://127.0.0.1:9 (bad port).');
  });

  it('finds the system error code in the cause chain', () => {
    expect(networkErrorCode(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }))).toBe('ECONNREFUSED');
    expect(networkErrorCode(new Error('other'))).toBeUndefined();
  });

  it('leaves other errors alone', () => {
    expect(unreachable('http://localhost:8000', new Error('boom'))).toBeUndefined();
  });
});

/** A port nothing listens on (just released by the OS). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
