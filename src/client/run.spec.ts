import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { HELP } from './args';
import { ExitCode } from './exit-codes';
import { ClientIo, runClient } from './run';

describe('runClient (in-process, without a server)', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'client-run-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  function io(argv: string[]): ClientIo & { out(): string; err(): string } {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    return {
      argv,
      env: { XDG_CONFIG_HOME: home },
      platform: 'linux',
      homedir: home,
      stdin: new PassThrough(),
      stdout,
      stderr,
      out: () => out,
      err: () => err,
    };
  }

  it('prints the help on stdout and exits 0', async () => {
    const run = io(['--help']);
    expect(await runClient(run)).toBe(ExitCode.Ok);
    expect(run.out()).toBe(HELP);
    expect(run.err()).toBe('');
  });

  it('explains bad usage in one line on stderr and exits 2', async () => {
    const run = io(['--transport', 'ws']);
    expect(await runClient(run)).toBe(ExitCode.Usage);
    expect(run.err()).toBe('✖ --transport must be "http" or "sse" (got "ws").\n');
    expect(run.out()).toBe('');
  });

  it('refuses the interactive mode without a terminal (exit 2)', async () => {
    const run = io([]);
    expect(await runClient(run)).toBe(ExitCode.Usage);
    expect(run.err()).toContain('Nothing to do: pass --list-tools or --call NAME');
  });

  it('has nothing to revoke when never signed in (exit 0)', async () => {
    const run = io(['--logout', '--server', 'http://localhost:8000']);
    expect(await runClient(run)).toBe(ExitCode.Ok);
    expect(run.err()).toContain('Not signed in to http://localhost:8000: nothing to revoke.');
  });
});
