import { DEFAULT_EMULATOR_PORT, DEFAULT_REDIRECT_URI, parseEmulatorArgs } from './emulator-cli.args';

describe('parseEmulatorArgs', () => {
  it('defaults to port 8001 and the local server’s callback', () => {
    expect(parseEmulatorArgs([])).toEqual({ port: DEFAULT_EMULATOR_PORT, redirectUris: [DEFAULT_REDIRECT_URI], help: false });
    expect(DEFAULT_REDIRECT_URI).toBe('http://localhost:8000/auth/callback');
  });

  it('takes a port and repeated redirect URIs, as separate or inline values', () => {
    expect(parseEmulatorArgs(['--port', '9001', '--redirect-uri', 'http://localhost:9000/auth/callback', '--redirect-uri=https://mcp.example.com/auth/callback'])).toEqual({
      port: 9001,
      redirectUris: ['http://localhost:9000/auth/callback', 'https://mcp.example.com/auth/callback'],
      help: false,
    });
  });

  it.each([
    [['--port'], /--port needs a value/],
    [['--port', 'eighty'], /--port must be a port number/],
    [['--port', '70000'], /--port must be a port number/],
    [['--redirect-uri', 'not a url'], /absolute URL/],
    [['--redirect-uri', 'javascript:alert(1)'], /http\(s\) URL/],
    [['--redirect-uri', 'http://localhost/cb#frag'], /without fragment/],
    [['--verbose'], /unknown option --verbose/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseEmulatorArgs(argv)).toThrow(message);
  });
});
