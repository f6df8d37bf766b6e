import { browserCommand, openBrowser } from './browser';

const URL_WITH_QUERY = 'http://localhost:8000/authorize?a=1&b=2';

describe('opening the browser', () => {
  it('uses open on macOS, start on Windows (with & escaped for cmd), xdg-open in a graphical Linux session', () => {
    expect(browserCommand(URL_WITH_QUERY, { platform: 'darwin', env: {} })).toEqual(['open', [URL_WITH_QUERY]]);
    expect(browserCommand(URL_WITH_QUERY, { platform: 'win32', env: {} })).toEqual([
      'cmd',
      ['/c', 'start', '""', 'http://localhost:8000/authorize?a=1^&b=2'],
    ]);
    expect(browserCommand(URL_WITH_QUERY, { platform: 'linux', env: { DISPLAY: ':0' } })).toEqual(['xdg-open', [URL_WITH_QUERY]]);
    expect(browserCommand(URL_WITH_QUERY, { platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' } })?.[0]).toBe('xdg-open');
  });

  it('honours the BROWSER variable on every platform: the first of its commands, the URL appended or put at %s', () => {
    expect(browserCommand(URL_WITH_QUERY, { platform: 'linux', env: { BROWSER: 'node follow.js' } })).toEqual([
      'node',
      ['follow.js', URL_WITH_QUERY],
    ]);
    expect(browserCommand(URL_WITH_QUERY, { platform: 'darwin', env: { BROWSER: 'firefox --new-tab %s:chromium' } })).toEqual([
      'firefox',
      ['--new-tab', URL_WITH_QUERY],
    ]);
    expect(browserCommand(URL_WITH_QUERY, { platform: 'linux', env: { BROWSER: '  ' } })).toBeUndefined();
  });

  it('does not try on Linux without a graphical session (a text browser would take over the terminal)', () => {
    expect(browserCommand(URL_WITH_QUERY, { platform: 'linux', env: {} })).toBeUndefined();
    const spawnFn = jest.fn();
    expect(openBrowser(URL_WITH_QUERY, { platform: 'linux', env: {} }, spawnFn as never)).toBe(false);
    expect(spawnFn).not.toHaveBeenCalled();
  });

  it('ignores a browser command that cannot start', () => {
    const failing = jest.fn(() => {
      throw new Error('ENOENT');
    });
    expect(openBrowser(URL_WITH_QUERY, { platform: 'darwin', env: {} }, failing as never)).toBe(false);
    const child = { on: jest.fn(), unref: jest.fn() };
    expect(openBrowser(URL_WITH_QUERY, { platform: 'darwin', env: {} }, (() => child) as never)).toBe(true);
    expect(child.on).toHaveBeenCalledWith('error', expect.any(Function));
    expect(child.unref).toHaveBeenCalled();
  });
});
