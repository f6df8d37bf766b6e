import { httpLogSerializers } from './http-log.serializers';

const request = {
  id: 'req-1',
  method: 'POST',
  url: '/token?refresh_token=SECRET',
  headers: { 'content-type': 'application/json', authorization: 'Bearer SECRET' },
  raw: { body: { grant_type: 'refresh_token', refresh_token: 'SECRET' } },
} as unknown as Parameters<ReturnType<typeof httpLogSerializers>['req']>[0];

describe('httpLogSerializers', () => {
  it('writes a lean line at info: id, method, redacted URL and status, no headers or body', () => {
    const { req, res } = httpLogSerializers(false);
    expect(req(request)).toEqual({ id: 'req-1', method: 'POST', url: '/token?refresh_token=[REDACTED]' });
    expect(res({ statusCode: 302, headers: { location: 'http://client/cb?code=SECRET' } })).toEqual({ statusCode: 302 });
  });

  it('adds headers and the redacted body at debug, and redacts secrets in a redirect Location', () => {
    const { req, res } = httpLogSerializers(true);
    expect(req(request)).toMatchObject({ headers: { 'content-type': 'application/json' }, body: { refresh_token: '[REDACTED]' } });
    expect(res({ statusCode: 302, headers: { location: 'http://client/cb?code=SECRET&state=s' } })).toEqual({
      statusCode: 302,
      headers: { location: 'http://client/cb?code=[REDACTED]&state=[REDACTED]' },
    });
  });
});
