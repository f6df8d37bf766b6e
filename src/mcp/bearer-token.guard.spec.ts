import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { InvalidTokenError } from '../shared/access-token-verifier.port';
import { UserContext } from '../shared/user-context';
import { McpBearerGuard } from './bearer-token.guard';
import { BearerTokenMissingError, McpBearerStrategy } from './bearer.strategy';
import { McpHttpError } from './mcp-http.errors';
import { EntraBearerStrategy } from './entra-bearer.strategy';
import { EntraScopeMissingError } from '../entra/entra-access-token.verifier';
import { EntraUnavailableError } from '../entra/entra.errors';

describe('McpBearerGuard.handleRequest', () => {
  const config = { serverOrigin: 'https://mcp.example.com', authMode: 'proxy' } as AppConfig;
  const strategies = [{ strategyName: 'mcp-bearer-test' } as McpBearerStrategy, { strategyName: 'entra-bearer-test' } as EntraBearerStrategy] as const;
  const guard = new McpBearerGuard(...strategies, config, new Reflector());
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

  describe('with AUTH_MODE=direct (Entra is the authorization server)', () => {
    const fullScope = 'api://a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d/access_as_user';
    const direct = new McpBearerGuard(...strategies, { ...config, authMode: 'direct', entraApi: { fullScope } } as AppConfig, new Reflector());

    it("names Entra's API scope in the challenge", () => {
      expect(challengeOf(() => direct.handleRequest(new BearerTokenMissingError(), false, undefined, context))).toEqual({
        status: 401,
        header: `Bearer ${resourceMetadata}, scope="${fullScope}"`,
      });
      expect(challengeOf(() => direct.handleRequest(new InvalidTokenError(), false, undefined, context)).header).toContain(`scope="${fullScope}", error="invalid_token"`);
    });

    it("answers 503 with Retry-After when Entra's keys cannot be fetched (the token is not at fault)", () => {
      let answer: McpHttpError | undefined;
      try {
        direct.handleRequest(new EntraUnavailableError("Entra's signing keys could not be fetched"), false, undefined, context);
      } catch (error) {
        answer = error as McpHttpError;
      }
      expect(answer?.getStatus()).toBe(503);
      expect(answer?.headers['Retry-After']).toBe('5');
    });

    it('answers an Entra token without the API scope with 403 insufficient_scope naming it', () => {
      const { status, header } = challengeOf(() => direct.handleRequest(new EntraScopeMissingError(fullScope), false, undefined, context));
      expect(status).toBe(403);
      expect(header).toContain(`scope="${fullScope}", error="insufficient_scope"`);
    });
  });
});
