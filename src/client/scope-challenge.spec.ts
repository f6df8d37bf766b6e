import { ScopeChallenges, scopeUnion } from './scope-challenge';

describe('scopeUnion', () => {
  it('joins the scopes it had with the ones challenged, once each, in first-seen order', () => {
    expect(scopeUnion('mcp:basic', 'mcp:write')).toBe('mcp:basic mcp:write');
    expect(scopeUnion('a b', undefined, 'b  c', 'a')).toBe('a b c');
  });

  it('is undefined when there is no scope at all (the scope parameter is then left out)', () => {
    expect(scopeUnion(undefined, '', ' ')).toBeUndefined();
  });
});

describe('ScopeChallenges', () => {
  const answer = (status: number, wwwAuthenticate?: string) =>
    new Response(null, { status, headers: wwwAuthenticate ? { 'www-authenticate': wwwAuthenticate } : {} });

  it('keeps the scope of a 403 insufficient_scope challenge as a step-up', () => {
    const challenges = new ScopeChallenges();
    challenges.observe(answer(403, 'Bearer error="insufficient_scope", scope="mcp:write", resource_metadata="https://r.example/prm"'));
    expect(challenges.take()).toEqual({ status: 403, scope: 'mcp:write', insufficientScope: true });
    expect(challenges.take()).toBeUndefined();
  });

  it('keeps the scope of a 401 challenge on a later request, which is not a step-up', () => {
    const challenges = new ScopeChallenges();
    challenges.observe(answer(401, 'Bearer scope="mcp:basic"'));
    expect(challenges.take()).toEqual({ status: 401, scope: 'mcp:basic', insufficientScope: false });
  });

  it('ignores answers that are not Bearer challenges', () => {
    const challenges = new ScopeChallenges();
    challenges.observe(answer(200));
    challenges.observe(answer(403));
    challenges.observe(answer(500, 'Bearer scope="x"'));
    expect(challenges.take()).toBeUndefined();
  });
});
