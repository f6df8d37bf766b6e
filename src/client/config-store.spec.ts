import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from './config-store';

describe('ConfigStore', () => {
  let dir: string;
  let store: ConfigStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'client-store-'));
    store = new ConfigStore(join(dir, 'mcp-console-client'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns an empty entry for a server it has never seen', () => {
    expect(store.load('http://localhost:8000')).toEqual({ server: 'http://localhost:8000' });
  });

  it('keeps one file per server, readable only by the user (0600)', () => {
    store.save({ server: 'http://localhost:8000', tokens: { access_token: 'a', token_type: 'Bearer' } });
    store.save({ server: 'http://localhost:9000', tokens: { access_token: 'b', token_type: 'Bearer' } });
    const files = readdirSync(join(dir, 'mcp-console-client', 'servers'));
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(statSync(join(dir, 'mcp-console-client', 'servers', file)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(join(dir, 'mcp-console-client', 'servers')).mode & 0o077).toBe(0);
    expect(store.load('http://localhost:8000').tokens?.access_token).toBe('a');
    expect(store.load('http://localhost:9000').tokens?.access_token).toBe('b');
  });

  it('leaves no temporary files behind after saving', () => {
    store.save({ server: 'http://localhost:8000' });
    store.save({ server: 'http://localhost:8000', tokens: { access_token: 'a', token_type: 'Bearer' } });
    expect(readdirSync(join(dir, 'mcp-console-client', 'servers')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('does not use an entry written for another server, nor a corrupt file', () => {
    store.save({ server: 'http://localhost:8000', tokens: { access_token: 'a', token_type: 'Bearer' } });
    writeFileSync(store.fileFor('http://evil.example'), readFileSync(store.fileFor('http://localhost:8000')));
    expect(store.load('http://evil.example')).toEqual({ server: 'http://evil.example' });
    writeFileSync(store.fileFor('http://localhost:8000'), '{not json');
    expect(store.load('http://localhost:8000')).toEqual({ server: 'http://localhost:8000' });
  });

  it('forgets a server on delete', () => {
    store.save({ server: 'http://localhost:8000', tokens: { access_token: 'a', token_type: 'Bearer' } });
    store.delete('http://localhost:8000');
    expect(store.load('http://localhost:8000')).toEqual({ server: 'http://localhost:8000' });
  });
});
