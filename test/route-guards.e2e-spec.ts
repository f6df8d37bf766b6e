import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { isPublic } from '../src/shared/auth/public.decorator';
import { startTestServer, TestServer } from './support/test-app';

interface MappedRoute {
  method: string;
  path: string;
  public: boolean;
}

/** Every route Nest maps, from the controllers' own metadata (what the router is built from). */
function mappedRoutes(server: TestServer): MappedRoute[] {
  const discovery = server.app.get(DiscoveryService);
  const scanner = server.app.get(MetadataScanner);
  const reflector = server.app.get(Reflector);
  const routes: MappedRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const prefixes = [Reflect.getMetadata(PATH_METADATA, metatype) as string | string[]].flat();
    const prototype = Object.getPrototypeOf(instance) as Record<string, (...args: unknown[]) => unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      // The same lookup the global guard does, on a context of this handler.
      const context = { getHandler: () => handler, getClass: () => metatype } as never;
      for (const prefix of prefixes) {
        for (const path of [paths].flat()) {
          const full = `/${[prefix, path].filter((part) => part && part !== '/').join('/')}`.replace(/\/+/g, '/');
          routes.push({ method, path: full, public: isPublic(reflector, context) });
        }
      }
    }
  }
  return routes;
}

/*
 * Deny by default (STYLE.md §7): the bearer guard is global, and a route is reachable without
 * this server's token only when it says `@Public()`. This suite lists every mapped route, so a
 * new route that is neither public nor behind the guard fails here. (The embedded Entra
 * emulator is not a Nest route: it serves its own origin.)
 */
describe('Route protection: every route is public by choice or needs a bearer token', () => {
  let server: TestServer;
  let routes: MappedRoute[];

  beforeAll(async () => {
    server = await startTestServer();
    routes = mappedRoutes(server);
  });

  afterAll(async () => {
    await server.close();
  });

  it('finds the routes of every controller', () => {
    expect(routes.length).toBeGreaterThanOrEqual(15);
  });

  it('marks the OAuth endpoints, consent pages, the account page (its own session cookie) and health probes @Public()', () => {
    const publicRoutes = routes.filter((route) => route.public).map((route) => `${route.method} ${route.path}`);
    expect(publicRoutes).toEqual(
      expect.arrayContaining([
        'GET /.well-known/oauth-protected-resource',
        'GET /.well-known/oauth-authorization-server',
        'POST /register',
        'GET /authorize',
        'GET /auth/consent',
        'POST /auth/consent',
        'GET /auth/callback',
        'POST /token',
        'POST /revoke',
        'GET /health',
        'GET /health/ready',
        'GET /account',
        'GET /',
        'GET /favicon.ico',
      ]),
    );
  });

  it('keeps the MCP endpoints behind the bearer guard (not public)', () => {
    const guarded = routes.filter((route) => !route.public).map((route) => `${route.method} ${route.path}`);
    expect(guarded).toEqual(expect.arrayContaining(['POST /mcp', 'GET /mcp', 'DELETE /mcp', 'GET /sse', 'POST /messages']));
  });

  it('answers every route that is not @Public() with 401 and the WWW-Authenticate challenge when no token is sent', async () => {
    const unguarded: string[] = [];
    for (const route of routes.filter((r) => !r.public)) {
      const path = route.path.replace(/:[^/]+/g, 'x');
      const res = await fetch(`${server.url}${path}`, {
        method: route.method === 'ALL' ? 'GET' : route.method,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined,
      });
      const challenge = res.headers.get('www-authenticate') ?? '';
      if (res.status !== 401 || !challenge.startsWith('Bearer resource_metadata=')) unguarded.push(`${route.method} ${route.path} → ${res.status}`);
      await res.body?.cancel();
    }
    expect(unguarded).toEqual([]);
  });

  it('serves the @Public() routes without a token (never a 401)', async () => {
    const refused: string[] = [];
    for (const route of routes.filter((r) => r.public && r.method === 'GET' && !r.path.includes(':'))) {
      const res = await fetch(`${server.url}${route.path}`, { redirect: 'manual' });
      if (res.status === 401) refused.push(`${route.method} ${route.path}`);
      await res.body?.cancel();
    }
    expect(refused).toEqual([]);
  });
});
