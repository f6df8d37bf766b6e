import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';

/**
 * Serves one Node request with the SDK's web-standard handler (`handler.fetch`), given the
 * already parsed body. It does what the SDK's `toNodeHandler` does, minus two costs that
 * weigh on every call once the body is parsed: the `Request` carries no body (the handler
 * reads `parsedBody`, never the request's stream, so `toNodeHandler`'s re-serialised copy is
 * never read), and a JSON answer is written in one piece instead of chunk by chunk.
 * Streamed answers (SSE) are piped with write backpressure, as `toNodeHandler` does.
 *
 * The client closing the connection aborts the request's signal, which cancels the exchange
 * (and the tool's `AbortSignal`).
 */
export async function serveWebExchange(
  handler: Pick<McpHttpHandler, 'fetch'>,
  req: IncomingMessage,
  res: ServerResponse,
  exchange: { authInfo: AuthInfo; parsedBody: unknown; onerror: (error: Error) => void },
): Promise<void> {
  let finished = false;
  const abort = new AbortController();
  res.once('close', () => {
    if (!finished) abort.abort();
  });
  let response: Response;
  try {
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: requestHeaders(req),
      signal: abort.signal,
    });
    response = await handler.fetch(request, { authInfo: exchange.authInfo, ...(exchange.parsedBody !== undefined && { parsedBody: exchange.parsedBody }) });
  } catch (error) {
    exchange.onerror(error instanceof Error ? error : new Error(String(error)));
    response = Response.json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null }, { status: 500 });
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  if (response.body === null) {
    finished = true;
    res.writeHead(response.status, headers).end();
    return;
  }
  if ((headers['content-type'] ?? '').startsWith('application/json')) {
    const data = new Uint8Array(await response.arrayBuffer());
    finished = true;
    res.writeHead(response.status, { ...headers, 'content-length': String(data.byteLength) }).end(data);
    return;
  }
  res.writeHead(response.status, headers);
  await pipeStream(response.body, res, abort.signal);
  finished = true;
  res.end();
}

/** The request's headers as `Headers` init pairs (pseudo-headers left out; repeated headers kept). */
function requestHeaders(req: IncomingMessage): [string, string][] {
  const raw = req.rawHeaders;
  const pairs: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!raw[i]!.startsWith(':')) pairs.push([raw[i]!, raw[i + 1]!]);
  }
  return pairs;
}

/** Copies a web stream to the response, waiting on `drain` when the socket is full; stops when the client leaves. */
async function pipeStream(body: ReadableStream<Uint8Array>, res: ServerResponse, closed: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  closed.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || closed.aborted) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const release = () => {
            res.off('drain', release);
            closed.removeEventListener('abort', release);
            resolve();
          };
          res.on('drain', release);
          closed.addEventListener('abort', release, { once: true });
        });
      }
    }
  } catch {
    // The stream failed or was cancelled because the client left: nothing more to write.
  } finally {
    closed.removeEventListener('abort', onAbort);
  }
}
