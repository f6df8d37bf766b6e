import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { httpLogOptions, requestLine, requestLogLevel } from './http-log.options';

/** Serves one request through pino-http with these options and returns the JSON log lines it wrote. */
async function logOf(options: ReturnType<typeof httpLogOptions>, path: string, status: number, headers: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  const { level, ...rest } = options;
  const middleware = pinoHttp({ ...rest, logger: pino({ level }, stream) } as never);
  const server = createServer((req, res) => {
    middleware(req, res);
    req.log.info('inside the request');
    res.statusCode = status;
    res.setHeader('set-cookie', 'session=SECRET-SET-COOKIE');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await (await fetch(`http://127.0.0.1:${port}${path}`, { headers })).text();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => server.close(resolve));
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('HTTP request logging', () => {
  const secrets = { authorization: 'Bearer SECRET-TOKEN', cookie: 'mcp_consent=SECRET-COOKIE' };

  it('writes one short line per request in development: method, path without secrets, status, duration, request id', async () => {
    const lines = await logOf(httpLogOptions('info', 'development'), '/auth/callback?code=SECRET-CODE&state=SECRET-STATE', 302, secrets);
    const requestLog = lines.find((line) => typeof line.msg === 'string' && line.msg.startsWith('GET '))!;
    expect(requestLog.msg).toMatch(/^GET \/auth\/callback\?code=\[REDACTED\]&state=\[REDACTED\] 302 \d+ ms$/);
    expect(requestLog.reqId).toEqual(expect.anything());
    expect(requestLog).not.toHaveProperty('req');
    expect(requestLog).not.toHaveProperty('res');
    // Lines written while the request runs carry its id, not the whole request.
    const inside = lines.find((line) => line.msg === 'inside the request')!;
    expect(inside.reqId).toBe(requestLog.reqId);
    expect(inside).not.toHaveProperty('req');
    expect(JSON.stringify(lines)).not.toMatch(/SECRET/);
    expect(JSON.stringify(requestLog).length).toBeLessThan(300);
  });

  it('adds method, path, status and duration as fields outside development (JSON for log pipelines), still without headers', async () => {
    const lines = await logOf(httpLogOptions('info', 'production'), '/mcp', 200, secrets);
    const requestLog = lines.find((line) => typeof line.msg === 'string' && line.msg.startsWith('GET '))!;
    expect(requestLog).toMatchObject({ method: 'GET', path: '/mcp', statusCode: 200, responseTime: expect.any(Number) });
    expect(JSON.stringify(requestLog)).not.toContain('headers');
  });

  it('logs the full request and response headers at debug, credentials redacted', async () => {
    const lines = await logOf(httpLogOptions('debug', 'development'), '/token?refresh_token=SECRET-REFRESH', 400, secrets);
    const requestLog = lines.find((line) => typeof line.msg === 'string' && line.msg.startsWith('GET '))!;
    expect(requestLog).toMatchObject({
      req: { method: 'GET', url: '/token?refresh_token=[REDACTED]', headers: { authorization: '[REDACTED]', cookie: '[REDACTED]' } },
      res: { statusCode: 400, headers: { 'set-cookie': '[REDACTED]' } },
    });
    expect(JSON.stringify(lines)).not.toMatch(/SECRET/);
  });

  it('does not log health probes', async () => {
    const lines = await logOf(httpLogOptions('info', 'production'), '/health/ready', 200);
    expect(lines.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('GET '))).toEqual([]);
  });

  it('logs server errors as errors, the 401 sign-in challenge as info, other client errors as warnings', () => {
    const req = {} as IncomingMessage;
    const res = (statusCode: number) => ({ statusCode }) as ServerResponse;
    expect(requestLogLevel(req, res(500))).toBe('error');
    expect(requestLogLevel(req, res(200), new Error('x'))).toBe('error');
    expect(requestLogLevel(req, res(401))).toBe('info');
    expect(requestLogLevel(req, res(400))).toBe('warn');
    expect(requestLogLevel(req, res(204))).toBe('info');
  });

  it('formats a request line from the original URL', () => {
    const req = { method: 'POST', url: '/x', originalUrl: '/token' } as IncomingMessage & { originalUrl: string };
    expect(requestLine(req, { statusCode: 200 } as ServerResponse, 12.4)).toBe('POST /token 200 12 ms');
  });
});
