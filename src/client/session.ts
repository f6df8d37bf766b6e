import { Connection, connectionFailure, ensureFreshTokens, McpClient, needsSignIn, openConnection } from './connection';
import { SessionContext } from './session-context';
import { signIn } from './sign-in';

/**
 * A signed-in MCP session that heals itself once: when the server stops
 * accepting our tokens mid-way (revoked, expired without refresh), it signs in
 * again through the browser and retries the request.
 */
export class Session {
  private connection?: Connection;

  constructor(private readonly ctx: SessionContext) {}

  async run<T>(work: (client: McpClient) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      return await work(client);
    } catch (error) {
      if (!needsSignIn(error)) throw error;
      this.ctx.reporter.warn('The server no longer accepts this sign-in (revoked or expired); signing in again.');
      await this.close();
      await this.connect(true);
      return await work(this.connection!.client);
    }
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  private async client(): Promise<McpClient> {
    if (!this.connection) await this.connect(false);
    return this.connection!.client;
  }

  private async connect(forceSignIn: boolean): Promise<void> {
    const { ctx } = this;
    try {
      let signedInNow = false;
      if (forceSignIn || (await ensureFreshTokens(ctx)) === 'sign-in') {
        signedInNow = await signIn(ctx, { demanded: forceSignIn });
      }
      try {
        this.connection = await openConnection(ctx);
      } catch (error) {
        if (signedInNow || !needsSignIn(error)) throw error;
        ctx.reporter.warn('The stored sign-in is no longer accepted (revoked or expired); signing in again.');
        await signIn(ctx, { demanded: true });
        this.connection = await openConnection(ctx);
      }
    } catch (error) {
      throw await connectionFailure(ctx, error);
    }
  }
}
