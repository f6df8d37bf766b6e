import { bearerChallenge, protectedResourceMetadataUrl } from './www-authenticate';

describe('bearerChallenge (RFC 6750 §3, RFC 9728 §5.1)', () => {
  const resourceMetadata = protectedResourceMetadataUrl('https://mcp.example.com');

  it('names the resource metadata and the offered scopes when no token was sent', () => {
    expect(bearerChallenge({ resourceMetadata, scope: ['mcp:tools', 'user.read'] })).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="mcp:tools user.read"',
    );
  });

  it('adds error="invalid_token" for a bad token, keeping the same prefix', () => {
    expect(bearerChallenge({ resourceMetadata, scope: ['mcp:tools', 'user.read'], error: 'invalid_token' })).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="mcp:tools user.read", error="invalid_token"',
    );
  });

  it('names the needed scope with error="insufficient_scope"', () => {
    expect(
      bearerChallenge({
        resourceMetadata,
        scope: ['mcp:tools', 'user.read'],
        error: 'insufficient_scope',
        errorDescription: 'The tool get_user_name needs the scope user.read.',
      }),
    ).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="mcp:tools user.read", error="insufficient_scope", error_description="The tool get_user_name needs the scope user.read."',
    );
  });

  it('escapes quotes and backslashes inside values', () => {
    expect(bearerChallenge({ resourceMetadata: 'x', scope: [], errorDescription: 'a "b" \\c' })).toBe(
      'Bearer resource_metadata="x", scope="", error_description="a \\"b\\" \\\\c"',
    );
  });
});
