import { AuthorizationResponseError, ClientError, ResponseBodyError } from 'openid-client';
import { EntraError, EntraUnavailableError, toEntraError } from './entra.errors';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJl';

function bodyError(status: number, body: Record<string, string>): ResponseBodyError {
  return new ResponseBodyError('server responded with an error in the response body', {
    cause: body as never,
    response: new Response(JSON.stringify(body), { status }),
  });
}

describe('toEntraError', () => {
  it('keeps Entra’s error, AADSTS description and status from a token endpoint error', () => {
    const description = 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.';
    const error = toEntraError(bodyError(400, { error: 'invalid_grant', error_description: description }));
    expect(error).toBeInstanceOf(EntraError);
    expect(error).not.toBeInstanceOf(EntraUnavailableError);
    expect(error).toMatchObject({ error: 'invalid_grant', errorDescription: description, status: 400, aadstsCode: 'AADSTS70008' });
  });

  it('treats a 5xx answer as Entra being unavailable', () => {
    const error = toEntraError(bodyError(503, { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred.' }));
    expect(error).toBeInstanceOf(EntraUnavailableError);
    expect(error).toMatchObject({ error: 'temporarily_unavailable', status: 503, aadstsCode: 'AADSTS90033' });
  });

  it('passes on an error sent to the redirect URI', () => {
    const params = new URLSearchParams({ error: 'access_denied', error_description: 'AADSTS65004: User declined to consent.' });
    expect(toEntraError(new AuthorizationResponseError('authorization response error', { cause: params }))).toMatchObject({
      error: 'access_denied',
      aadstsCode: 'AADSTS65004',
    });
  });

  it('maps connection failures and timeouts, also when openid-client wraps them, to EntraUnavailableError', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(toEntraError(refused)).toBeInstanceOf(EntraUnavailableError);
    expect(toEntraError(refused).errorDescription).toBe('Entra could not be reached (ECONNREFUSED)');
    expect(toEntraError(new ClientError('something went wrong', { cause: refused }))).toBeInstanceOf(EntraUnavailableError);
    expect(toEntraError(new DOMException('The operation timed out.', 'TimeoutError'))).toBeInstanceOf(EntraUnavailableError);
  });

  it('maps a non-JSON answer (a gateway page) to EntraUnavailableError', () => {
    const error = Object.assign(new ClientError('unexpected response content-type'), { code: 'OAUTH_RESPONSE_IS_NOT_JSON' });
    expect(toEntraError(error)).toBeInstanceOf(EntraUnavailableError);
  });

  it('maps a failed check of Entra’s answer to invalid_response, without the token it was about', () => {
    const cause = { claims: { nonce: 'x' }, jwt: TOKEN };
    const error = Object.assign(new ClientError('unexpected JWT claim value encountered', { cause }), { code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' });
    const mapped = toEntraError(error);
    expect(mapped).toMatchObject({ error: 'invalid_response' });
    expect(mapped.message).toContain('OAUTH_JWT_CLAIM_COMPARISON_FAILED');
    expect(JSON.stringify({ ...mapped, message: mapped.message, cause: mapped.cause })).not.toContain(TOKEN);
  });

  it('hides anything unexpected behind server_error', () => {
    expect(toEntraError(new Error(`boom ${TOKEN}`))).toMatchObject({ error: 'server_error', errorDescription: 'Unexpected failure talking to Entra' });
  });
});
