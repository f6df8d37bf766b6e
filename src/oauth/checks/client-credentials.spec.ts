import { OAuthError } from '../../shared/oauth-errors';
import { readClientCredentials } from './client-credentials';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('readClientCredentials (RFC 6749 §2.3.1)', () => {
  it('reads client_secret_basic, form-decoding both parts', () => {
    expect(readClientCredentials(basic('my%20id', 'a%3Ab+c'), {})).toEqual({ clientId: 'my id', clientSecret: 'a:b c', method: 'client_secret_basic' });
  });

  it('reads client_secret_post', () => {
    expect(readClientCredentials(undefined, { client_id: 'c', client_secret: 's' })).toEqual({ clientId: 'c', clientSecret: 's', method: 'client_secret_post' });
  });

  it('reads a public client (client_id only)', () => {
    expect(readClientCredentials(undefined, { client_id: 'c' })).toEqual({ clientId: 'c', method: 'none' });
  });

  it('refuses two authentication methods at once (RFC 6749 §2.3)', () => {
    expect(() => readClientCredentials(basic('c', 's'), { client_secret: 's' })).toThrow(/only one/);
  });

  it('refuses a Basic client id that differs from the body client_id, with a Basic challenge', () => {
    try {
      readClientCredentials(basic('c', 's'), { client_id: 'other' });
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(OAuthError);
      expect((e as OAuthError).status).toBe(401);
      expect((e as OAuthError).headers['WWW-Authenticate']).toMatch(/^Basic /);
    }
  });

  it('answers invalid_client (401) without any client identification', () => {
    expect(() => readClientCredentials(undefined, {})).toThrow(expect.objectContaining({ code: 'invalid_client', status: 401 }));
    expect(() => readClientCredentials('Basic !!!', {})).toThrow(expect.objectContaining({ code: 'invalid_client', status: 401 }));
  });
});
