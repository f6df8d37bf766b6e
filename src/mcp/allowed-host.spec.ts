import { isAllowedHost, presentedHost } from './allowed-host';

describe('isAllowedHost (DNS-rebinding protection)', () => {
  it('accepts the host and port of SERVER_URL, case-insensitively', () => {
    expect(isAllowedHost('localhost:8000', 'http://localhost:8000')).toBe(true);
    expect(isAllowedHost('LOCALHOST:8000', 'http://localhost:8000')).toBe(true);
    expect(isAllowedHost('mcp.example.com', 'https://mcp.example.com')).toBe(true);
    expect(isAllowedHost('mcp.example.com:443', 'https://mcp.example.com')).toBe(true);
  });

  it('refuses another name, another port, or nothing', () => {
    expect(isAllowedHost('evil.example:8000', 'http://localhost:8000')).toBe(false);
    expect(isAllowedHost('127.0.0.1:8000', 'http://localhost:8000')).toBe(false);
    expect(isAllowedHost('localhost:8001', 'http://localhost:8000')).toBe(false);
    expect(isAllowedHost('localhost', 'http://localhost:8000')).toBe(false);
    expect(isAllowedHost('mcp.example.com:8443', 'https://mcp.example.com')).toBe(false);
    expect(isAllowedHost(undefined, 'http://localhost:8000')).toBe(false);
    expect(isAllowedHost('', 'http://localhost:8000')).toBe(false);
  });

  it('refuses values that smuggle more than a host', () => {
    expect(isAllowedHost('user@localhost:8000', 'http://localhost:8000')).toBe(false);
    expect(isAllowedHost('localhost:8000/x', 'http://localhost:8000')).toBe(false);
    expect(isAllowedHost('localhost:8000?x', 'http://localhost:8000')).toBe(false);
    expect(isAllowedHost('localhost:8000#x', 'http://localhost:8000')).toBe(false);
  });
});

describe('presentedHost', () => {
  it('uses Host unless a trusted proxy forwarded another one', () => {
    expect(presentedHost({ host: 'app:8000', 'x-forwarded-host': 'mcp.example.com' }, false)).toBe('app:8000');
    expect(presentedHost({ host: 'app:8000', 'x-forwarded-host': 'mcp.example.com' }, 1)).toBe('mcp.example.com');
    expect(presentedHost({ host: 'app:8000', 'x-forwarded-host': 'spoofed.example, mcp.example.com' }, 1)).toBe('mcp.example.com');
    expect(presentedHost({ host: 'app:8000' }, true)).toBe('app:8000');
  });
});
