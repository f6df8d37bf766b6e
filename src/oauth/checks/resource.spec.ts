import { canonicalResource, isThisServerResource } from './resource';

const ORIGIN = 'https://mcp.example.com';

describe('isThisServerResource (RFC 8707 §2, DESIGN.md Resource)', () => {
  it.each([ORIGIN, `${ORIGIN}/`, `${ORIGIN}/mcp`, `${ORIGIN}/mcp/`, `${ORIGIN}/sse`])('accepts %s', (resource) => {
    expect(isThisServerResource(resource, ORIGIN)).toBe(true);
  });

  it.each([
    'https://other.example.com/',
    `${ORIGIN}.evil.com/`,
    `${ORIGIN}:8443/`,
    `${ORIGIN}/other`,
    `${ORIGIN}/mcp#frag`,
    `${ORIGIN}/#`,
    'http://mcp.example.com/',
    `${ORIGIN}/mcp?x=1`,
    '',
  ])('rejects %s', (resource) => {
    expect(isThisServerResource(resource, ORIGIN)).toBe(false);
  });

  it('binds tokens to the origin with a trailing slash (the PRM resource)', () => {
    expect(canonicalResource(ORIGIN)).toBe('https://mcp.example.com/');
  });
});
