import { createServer } from 'node:net';
import { CallbackPortBusyError, CallbackTimeoutError, startCallbackListener } from './callback-server';

describe('the loopback callback listener', () => {
  it('listens on 127.0.0.1 at /callback and resolves with the code when the state matches', async () => {
    const listener = await startCallbackListener(0);
    try {
      expect(listener.redirectUrl).toBe(`http://127.0.0.1:${listener.port}/callback`);
      const waiting = listener.wait('s1', 10);
      const res = await fetch(`${listener.redirectUrl}?code=abc&state=s1&iss=http%3A%2F%2Flocalhost%3A8000`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).toContain('You can close this tab');
      await expect(waiting).resolves.toEqual({ kind: 'code', code: 'abc', iss: 'http://localhost:8000' });
    } finally {
      await listener.close();
    }
  });

  it('answers 400 to a response with another state and keeps waiting (RFC 6749 §10.12)', async () => {
    const listener = await startCallbackListener(0);
    try {
      const waiting = listener.wait('good', 10);
      expect((await fetch(`${listener.redirectUrl}?code=forged&state=bad`)).status).toBe(400);
      expect((await fetch(`${listener.redirectUrl}?code=forged`)).status).toBe(400);
      expect((await fetch(`http://127.0.0.1:${listener.port}/other`)).status).toBe(404);
      await fetch(`${listener.redirectUrl}?code=real&state=good`);
      await expect(waiting).resolves.toEqual(expect.objectContaining({ code: 'real' }));
    } finally {
      await listener.close();
    }
  });

  it('resolves with the error of a denied consent', async () => {
    const listener = await startCallbackListener(0);
    try {
      const waiting = listener.wait('s1', 10);
      const res = await fetch(`${listener.redirectUrl}?error=access_denied&error_description=The+user+denied&state=s1`);
      expect(await res.text()).toContain('Access denied');
      await expect(waiting).resolves.toEqual({ kind: 'error', error: 'access_denied', description: 'The user denied', iss: undefined });
    } finally {
      await listener.close();
    }
  });

  it('gives up after the timeout', async () => {
    const listener = await startCallbackListener(0);
    try {
      await expect(listener.wait('s1', 0.2)).rejects.toBeInstanceOf(CallbackTimeoutError);
    } finally {
      await listener.close();
    }
  });

  it('reports a busy port as CallbackPortBusyError', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startCallbackListener(port)).rejects.toEqual(new CallbackPortBusyError(port));
    } finally {
      blocker.close();
    }
  });
});
