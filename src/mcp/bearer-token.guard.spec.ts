import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { InvalidTokenError } from '../oauth/access-token-verifier.port';
import { UserContext } from '../oauth/user-context';
import { McpBearerGuard } from './bearer-token.guard';
import { BearerTokenMissingError, McpBearerStrategy } from './bearer.strategy';
import { McpHttpError } from './mcp-http.errors';

describe('McpBearerGuard.handleRequest', () => {
  const config = { serverOrigin: 'https://mcp.example.com' } as AppConfig;
  const guard = new McpBearerGuard({ strategyName: 'mcp-bearer-test' } as McpBearerStrategy, config, new Reflector());
  const context = {} as ExecutionContext;
  const resourceMetadata = 'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"';

  function challengeOf(run: () => unknown): { status: number; header: string | undefined } {
    try {
      run();
    } catch (error) {
      if (error instanceof McpHttpError) return { status: error.getStatus(), header: error.headers['WWW-Authenticate'] };
      throw error;
    }
    throw new Error('did not throw');
  }

  it('passes the verified user on', () => {
    const user = { oid: 'o' } as UserContext;
    expect(guard.handleRequest(null, user, undefined, context)).toBe(user);
  });

  it('answers a request without a token with 401 and a challenge without error', () => {
    expect(challengeOf(() => guard.handleRequest(new BearerTokenMissingError(), false, undefined, context))).toEqual({
      status: 401,
      header: `Bearer ${resourceMetadata}, scope="mcp:tools user.read"`,
    });
  });

  it('answers a bad token with 401 and error="invalid_token"', () => {
    expect(challengeOf(() => guard.handleRequest(new InvalidTokenError(), false, undefined, context))).toEqual({
      status: 401,
      header: `Bearer ${resourceMetadata}, scope="mcp:tools user.read", error="invalid_token"`,
    });
  });

  it('does not turn a server failure (store down) into a 401', () => {
    const outage = new Error('store unreachable');
    expect(() => guard.handleRequest(outage, false, undefined, context)).toThrow(outage);
  });
});
