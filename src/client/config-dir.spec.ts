import { configDirectory } from './config-dir';

describe('configDirectory', () => {
  it('uses $XDG_CONFIG_HOME when it is an absolute path', () => {
    expect(configDirectory({ env: { XDG_CONFIG_HOME: '/tmp/xdg' }, platform: 'linux', homedir: '/home/a' })).toBe('/tmp/xdg/mcp-console-client');
  });

  it('ignores a relative $XDG_CONFIG_HOME, as the XDG spec says', () => {
    expect(configDirectory({ env: { XDG_CONFIG_HOME: 'rel' }, platform: 'linux', homedir: '/home/a' })).toBe('/home/a/.config/mcp-console-client');
  });

  it('follows the OS convention otherwise', () => {
    expect(configDirectory({ env: {}, platform: 'darwin', homedir: '/Users/a' })).toBe('/Users/a/Library/Application Support/mcp-console-client');
    expect(configDirectory({ env: { APPDATA: 'C:/Users/a/AppData/Roaming' }, platform: 'win32', homedir: 'C:/Users/a' })).toContain('mcp-console-client');
    expect(configDirectory({ env: {}, platform: 'linux', homedir: '/home/a' })).toBe('/home/a/.config/mcp-console-client');
  });
});
