import { mediaType, sseMessageProblem } from './sse-message.check';

describe('sseMessageProblem (what POST /messages hands to the HTTP+SSE transport)', () => {
  const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: { progressToken: 'p1' } } };

  it.each([
    ['a request', call],
    ['a notification', { jsonrpc: '2.0', method: 'notifications/initialized' }],
    ['a result', { jsonrpc: '2.0', id: 'a', result: {} }],
    ['an error', { jsonrpc: '2.0', id: 1, error: { code: -1, message: 'no' } }],
  ])('accepts %s sent as application/json', (_what, body) => {
    expect(sseMessageProblem('application/json; charset=utf-8', body)).toBeUndefined();
  });

  it.each([undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', '; charset=utf-8'])(
    'refuses the content type %p with 415, without naming internal errors',
    (contentType) => {
      expect(sseMessageProblem(contentType, call)).toEqual({
        status: 415,
        code: -32600,
        message: 'Unsupported Media Type: POST /messages takes Content-Type: application/json.',
      });
    },
  );

  it.each([
    ['a string that looks like markup', '<script>alert(1)</script>'],
    ['null', null],
    ['a batch', [call]],
    ['a wrong version', { ...call, jsonrpc: '1.0' }],
    ['an unknown member', { ...call, extra: 1 }],
    ['a fractional id', { ...call, id: 1.5 }],
    ['a progress token of the wrong type', { ...call, params: { _meta: { progressToken: true } } }],
    ['params that are not an object', { ...call, params: 'x' }],
    ['nothing', undefined],
  ])('refuses %s with one fixed sentence that quotes nothing', (_what, body) => {
    const problem = sseMessageProblem('application/json', body);
    expect(problem).toEqual({ status: 400, code: -32600, message: 'Invalid Request: the body is not a single JSON-RPC 2.0 message.' });
  });

  it('reads the media type without its parameters, case-insensitively', () => {
    expect(mediaType(' Application/JSON ; charset=UTF-8')).toBe('application/json');
    expect(mediaType(undefined)).toBe('');
  });
});
