import { execFileSync } from 'node:child_process';
import { requireOrSkip } from './requirements';

function tmuxInstalled(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True when tmux can run; otherwise a loud skip on a laptop and a failure when CI is set. */
export function requireTmux(): boolean {
  return requireOrSkip('tmux', tmuxInstalled(), 'install it with "apt-get install -y tmux" (terminal tests drive the console client through it)');
}

/** A pseudo-terminal through tmux, on its own socket so no one else's sessions are touched. */
export class Tmux {
  constructor(
    private readonly session: string,
    private readonly cwd: string,
  ) {}

  start(command: string): void {
    this.tmux(['new-session', '-d', '-s', this.session, '-x', '200', '-y', '50', '-c', this.cwd, command]);
  }

  type(line: string): void {
    this.tmux(['send-keys', '-t', this.session, '-l', line]);
    this.tmux(['send-keys', '-t', this.session, 'Enter']);
  }

  screen(): string {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-200', '-t', this.session]).trimEnd();
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.screen())) {
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; screen:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
  }

  private tmux(args: string[]): string {
    // The session name doubles as the socket name (-L): a private tmux server per test.
    return execFileSync('tmux', ['-L', this.session, ...args], { encoding: 'utf8' });
  }
}
