import { complete } from './repl';

describe('REPL completion', () => {
  const tools = [{ name: 'get_user_name' }, { name: 'get_user_profile' }, { name: 'whoami' }];

  it('completes commands', () => {
    expect(complete('wh', tools)).toEqual([['whoami'], 'wh']);
    expect(complete('', tools)[0]).toEqual(['tools', 'call', 'whoami', 'help', 'quit']);
  });

  it('completes tool names after "call "', () => {
    expect(complete('call get_user_', tools)).toEqual([['get_user_name', 'get_user_profile'], 'get_user_']);
  });
});
