import { ArgumentsHost, BadRequestException, Logger } from '@nestjs/common';
import { StoreUnavailableError } from '../../store/store.port';
import { OAuthErrorCode } from './oauth-error-code';
import { OAuthExceptionFilter } from './oauth-exception.filter';
import { OAuthError, RedirectableOAuthError } from './oauth.error';

function fakeResponse() {
  const res = {
    statusCode: 0,
    headers: {} as Record<string, string>,
    body: undefined as unknown,
    headersSent: false,
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    set(headers: Record<string, string>) {
      Object.assign(res.headers, headers);
      return res;
    },
    type(t: string) {
      res.headers['Content-Type'] = t;
      return res;
    },
    json(body: unknown) {
      res.body = body;
      return res;
    },
    send(body: unknown) {
      res.body = body;
      return res;
    },
    end() {
      return res;
    },
  };
  return res;
}

function run(filter: OAuthExceptionFilter, exception: unknown) {
  const res = fakeResponse();
  const req = { method: 'POST', path: '/token' };
  const host = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }) } as unknown as ArgumentsHost;
  filter.catch(exception, host);
  return res;
}

describe('OAuthExceptionFilter (STYLE.md §3: one OAuth error model)', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));

  it('logs an expected OAuth error as one line with its reason, and the developer detail as a warning; never a stack', () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      run(OAuthExceptionFilter.forClients(), new OAuthError(OAuthErrorCode.InvalidGrant, 'The authorization has expired or was revoked.'));
      expect(log).toHaveBeenCalledWith('POST /token: invalid_grant (The authorization has expired or was revoked.)');
      run(OAuthExceptionFilter.forClients(), new OAuthError(OAuthErrorCode.InvalidRequest, 'Bad redirect.', { logDetail: 'received "a", registered "b"' }));
      expect(warn).toHaveBeenCalledWith('POST /token: invalid_request (Bad redirect.); received "a", registered "b"');
      expect(JSON.stringify([...log.mock.calls, ...warn.mock.calls])).not.toContain('    at ');
    } finally {
      log.mockRestore();
      warn.mockRestore();
    }
  });

  it('answers an OAuthError as RFC 6749 §5.2 JSON, not cacheable, with its own headers', () => {
    const res = run(OAuthExceptionFilter.forClients(), new OAuthError(OAuthErrorCode.InvalidClient, 'Client authentication failed.', { headers: { 'WWW-Authenticate': 'Basic realm="token"' } }));
    expect(res.statusCode).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed.' });
    expect(res.headers).toMatchObject({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'WWW-Authenticate': 'Basic realm="token"' });
  });

  it('turns anything unexpected into server_error without details', () => {
    const res = run(OAuthExceptionFilter.forClients(), new Error('database password is hunter2'));
    expect(res.statusCode).toBe(500);
    expect(res.body).toEqual({ error: 'server_error', error_description: 'The server encountered an unexpected error.' });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
  });

  it('answers 503 temporarily_unavailable when the store is unreachable', () => {
    const res = run(OAuthExceptionFilter.forClients(), new StoreUnavailableError('redis down'));
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('answers framework 4xx errors as invalid_request', () => {
    const res = run(OAuthExceptionFilter.forClients(), new BadRequestException('Unexpected token } in JSON'));
    expect(res.statusCode).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'The request could not be read.' });
  });

  it('redirects a redirectable error to the client with error, state and iss (RFC 6749 §4.1.2.1, RFC 9207)', () => {
    const error = new RedirectableOAuthError(OAuthErrorCode.InvalidScope, 'Unknown scope.', 'https://app.example.com/cb?x=1', 'st', 'https://mcp.example.com');
    const res = run(OAuthExceptionFilter.forBrowsers(), error);
    expect(res.statusCode).toBe(302);
    const location = new URL(res.headers.Location!);
    expect(location.origin + location.pathname).toBe('https://app.example.com/cb');
    expect(Object.fromEntries(location.searchParams)).toEqual({ x: '1', error: 'invalid_scope', error_description: 'Unknown scope.', state: 'st', iss: 'https://mcp.example.com' });
  });

  it('shows other errors on browser routes as an unframeable, uncached HTML page', () => {
    const res = run(OAuthExceptionFilter.forBrowsers(), new OAuthError(OAuthErrorCode.InvalidRequest, 'The redirect address is not registered.'));
    expect(res.statusCode).toBe(400);
    expect(res.headers).toMatchObject({ 'X-Frame-Options': 'DENY', 'Cache-Control': 'no-store', 'Content-Type': 'html' });
    expect(res.headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(String(res.body)).toContain('The redirect address is not registered.');
  });
});
