import { HEADER_MISMATCH_CODE, HEADER_MISMATCH_MESSAGE, withoutQuotedInput } from './header-mismatch.scrubber';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'x-kept': 'yes' } });

describe('withoutQuotedInput (MCP error answers never quote the request)', () => {
  it('replaces the header/body mismatch message and drops the quoted values, keeping code, status, id and headers', async () => {
    const answer = await withoutQuotedInput(
      json(400, {
        jsonrpc: '2.0',
        id: 7,
        error: { code: HEADER_MISMATCH_CODE, message: 'Bad Request: the request headers and body disagree: <script>', data: { mismatch: { header: 'a', body: '<script>' } } },
      }),
    );
    expect(answer.status).toBe(400);
    expect(answer.headers.get('x-kept')).toBe('yes');
    const text = await answer.text();
    expect(text).not.toContain('<script>');
    expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', id: 7, error: { code: HEADER_MISMATCH_CODE, message: HEADER_MISMATCH_MESSAGE } });
  });

  it('passes every other answer through unchanged', async () => {
    const other = { jsonrpc: '2.0', id: 1, error: { code: -32022, message: 'Unsupported protocol version', data: { supported: ['2026-07-28'] } } };
    expect(await (await withoutQuotedInput(json(400, other))).json()).toEqual(other);
    const ok = json(200, { jsonrpc: '2.0', id: 1, result: {} });
    expect(await withoutQuotedInput(ok)).toBe(ok);
    const stream = new Response('event: message\n\n', { status: 400, headers: { 'content-type': 'text/event-stream' } });
    expect(await withoutQuotedInput(stream)).toBe(stream);
  });
});
