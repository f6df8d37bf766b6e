import { isLoopbackHost, isLoopbackOrigin } from './loopback';

describe('isLoopbackHost', () => {
  it('recognises localhost, 127.0.0.1 and [::1] in any case, and nothing else', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['localhost.example.com', '127.0.0.2', '::1', 'example.com', '']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('isLoopbackOrigin', () => {
  it('recognises URLs on the three loopback hosts only', () => {
    expect(isLoopbackOrigin('http://127.0.0.1:6274/cb')).toBe(true);
    expect(isLoopbackOrigin('http://localhost/cb')).toBe(true);
    expect(isLoopbackOrigin('http://[::1]/cb')).toBe(true);
    expect(isLoopbackOrigin('https://client.example.com/cb')).toBe(false);
  });

  it('is false for something that is not a URL', () => {
    expect(isLoopbackOrigin('not a url')).toBe(false);
  });
});
