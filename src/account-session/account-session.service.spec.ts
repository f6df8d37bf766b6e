import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { MemoryStore } from '../store/memory.store';
import { AccountSessionService } from './account-session.service';

const identity = { oid: 'o-1', tid: 't-1', name: 'Adele Vance', preferredUsername: 'adelev@contoso.example', roles: ['Tools.Admin'], groups: ['g-1'] };

function fakeResponse() {
  const cookies: { name: string; value: string; options: Record<string, unknown> }[] = [];
  const cleared: string[] = [];
  const res = {
    cookie: (name: string, value: string, options: Record<string, unknown>) => cookies.push({ name, value, options }),
    clearCookie: (name: string) => cleared.push(name),
  } as unknown as Response;
  return { res, cookies, cleared };
}

const requestWith = (cookies: Record<string, string>) => ({ cookies }) as unknown as Request;

describe('AccountSessionService (the /account sign-in)', () => {
  const make = (serverUrl: string) => {
    const config = Object.assign(new AppConfig(), { serverUrl, accountSessionMinutes: 15 });
    return new AccountSessionService(new MemoryStore(), config);
  };

  it('on https: a __Host- cookie, HttpOnly, Secure, SameSite=Lax, Path=/, living ACCOUNT_SESSION_MINUTES', async () => {
    const sessions = make('https://mcp.example.com');
    const { res, cookies } = fakeResponse();
    await sessions.create(res, identity);
    expect(cookies).toEqual([
      { name: '__Host-mcp_account', value: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), options: { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 15 * 60 * 1000 } },
    ]);
  });

  it('finds the session of the browser holding the cookie, keeping only who the user is (no Entra token)', async () => {
    const sessions = make('http://localhost:8000');
    const { res, cookies } = fakeResponse();
    await sessions.create(res, identity);
    const session = await sessions.find(requestWith({ mcp_account: cookies[0]!.value }));
    expect(session).toMatchObject({ oid: 'o-1', tid: 't-1', name: 'Adele Vance', roles: ['Tools.Admin'] });
    expect(Object.keys(session!).sort()).toEqual(['csrfToken', 'expiresAt', 'name', 'oid', 'roles', 'tid']);
    expect(await sessions.find(requestWith({ mcp_account: 'x'.repeat(43) }))).toBeNull();
    expect(await sessions.find(requestWith({}))).toBeNull();
  });

  it("accepts a form only with the session's CSRF token", async () => {
    const sessions = make('http://localhost:8000');
    const { res, cookies } = fakeResponse();
    await sessions.create(res, identity);
    const session = (await sessions.find(requestWith({ mcp_account: cookies[0]!.value })))!;
    expect(sessions.checkCsrf(session, session.csrfToken)).toBe(true);
    for (const bad of [undefined, '', `${session.csrfToken}x`, 42, 'y'.repeat(101)]) expect(sessions.checkCsrf(session, bad)).toBe(false);
  });

  it('signing out ends the session in the store (every instance) and clears the cookie', async () => {
    const sessions = make('http://localhost:8000');
    const { res, cookies } = fakeResponse();
    await sessions.create(res, identity);
    const req = requestWith({ mcp_account: cookies[0]!.value });
    const out = fakeResponse();
    await sessions.destroy(req, out.res);
    expect(out.cleared).toEqual(['mcp_account']);
    expect(await sessions.find(req)).toBeNull();
  });
});
