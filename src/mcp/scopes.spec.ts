import { missingScopes, toolCallNames } from './scopes';

describe('missingScopes', () => {
  it('lists what the token lacks, nothing when it has everything', () => {
    expect(missingScopes(['mcp:tools'], ['mcp:tools', 'user.read'])).toEqual(['user.read']);
    expect(missingScopes(['user.read', 'mcp:tools'], ['mcp:tools', 'user.read'])).toEqual([]);
    expect(missingScopes([], ['mcp:tools'])).toEqual(['mcp:tools']);
  });
});

describe('toolCallNames', () => {
  const call = (name: unknown, id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

  it('finds the tool of a single tools/call request', () => {
    expect(toolCallNames(call('get_user_name'))).toEqual(['get_user_name']);
  });

  it('finds every tool in a batch and ignores other methods', () => {
    expect(toolCallNames([call('whoami'), { jsonrpc: '2.0', id: 3, method: 'tools/list' }, call('get_user_profile', 2)])).toEqual([
      'whoami',
      'get_user_profile',
    ]);
  });

  it('ignores malformed messages (the transport answers those)', () => {
    expect(toolCallNames(undefined)).toEqual([]);
    expect(toolCallNames('tools/call')).toEqual([]);
    expect(toolCallNames(call(42))).toEqual([]);
    expect(toolCallNames({ method: 'tools/call' })).toEqual([]);
  });
});
