import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the authorization server sent back to the loopback redirect URI. */
export type CallbackOutcome =
  | { kind: 'code'; code: string; iss?: string }
  | { kind: 'error'; error: string; description?: string; iss?: string };

export class CallbackPortBusyError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} on 127.0.0.1 is already in use.`);
    this.name = 'CallbackPortBusyError';
  }
}

export class CallbackTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`No sign-in response arrived within ${seconds} s.`);
    this.name = 'CallbackTimeoutError';
  }
}

export interface CallbackListener {
  port: number;
  /** `http://127.0.0.1:<port>/callback`: the redirect URI to register. */
  redirectUrl: string;
  /**
   * Resolves with the first response to `/callback` whose `state` equals
   * `expectedState` (others get 400: they belong to no sign-in of ours), or
   * rejects with {@link CallbackTimeoutError}.
   */
  wait(expectedState: string | undefined, timeoutSeconds: number): Promise<CallbackOutcome>;
  close(): Promise<void>;
}

const CALLBACK_PATH = '/callback';

/**
 * A one-shot HTTP listener on 127.0.0.1 for the OAuth redirect (RFC 8252 §7.3:
 * loopback IP literal, not `localhost`). `port` 0 picks a free port.
 */
export async function startCallbackListener(port: number): Promise<CallbackListener> {
  let expected: string | undefined;
  let settle: ((outcome: CallbackOutcome) => void) | undefined;
  let done = false;

  const server = createServer((req, res) => {
    const outcome = readCallback(req, res, expected, done);
    if (outcome && settle) {
      done = true;
      settle(outcome);
    }
  });
  await listen(server, port);
  const bound = (server.address() as AddressInfo).port;

  return {
    port: bound,
    redirectUrl: `http://127.0.0.1:${bound}${CALLBACK_PATH}`,
    wait(expectedState, timeoutSeconds) {
      expected = expectedState;
      return new Promise<CallbackOutcome>((resolve, reject) => {
        const timer = setTimeout(() => {
          done = true;
          reject(new CallbackTimeoutError(timeoutSeconds));
        }, timeoutSeconds * 1000);
        settle = (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        };
      });
    },
    close: () => closeServer(server),
  };
}

/** Answers one request; returns the outcome when it is the awaited callback. */
function readCallback(
  req: IncomingMessage,
  res: ServerResponse,
  expected: string | undefined,
  done: boolean,
): CallbackOutcome | undefined {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
    page(res, 404, 'Not found', 'This address only receives the sign-in response of the MCP Console Client.');
    return undefined;
  }
  const params = url.searchParams;
  // RFC 6749 §10.12: a response whose state we did not send is not ours (CSRF).
  if (done || expected === undefined || params.get('state') !== expected) {
    page(res, 400, 'Unexpected sign-in response', 'This response does not belong to the sign-in the console is waiting for.');
    return undefined;
  }
  const iss = params.get('iss') ?? undefined;
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description') ?? undefined;
    const denied = error === 'access_denied';
    page(
      res,
      200,
      denied ? 'Access denied' : 'Sign-in failed',
      denied
        ? 'You did not allow the MCP Console Client. You can close this tab.'
        : 'The sign-in did not complete. You can close this tab and check the terminal.',
    );
    return { kind: 'error', error, description, iss };
  }
  const code = params.get('code');
  if (!code) {
    page(res, 400, 'Incomplete sign-in response', 'The response carries neither a code nor an error.');
    return undefined;
  }
  page(res, 200, 'Signed in', 'The MCP Console Client is signed in. You can close this tab and return to the terminal.');
  return { kind: 'code', code, iss };
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem auto; max-width: 36rem">
<h1>${title}</h1><p>${text}</p></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  res.end(body);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new CallbackPortBusyError(port) : error);
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Let the last page reach the browser (every response says `connection: close`),
    // then cut whatever is left, so the process can exit.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
