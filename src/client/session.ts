import { Connection, connectionFailure, ensureFreshTokens, McpClient, needsSignIn, openConnection } from './connection';
import { ScopeChallenge, ScopeChallenges, scopeUnion } from './scope-challenge';
import { SessionContext } from './session-context';
import { signIn } from './sign-in';

/**
 * A signed-in MCP session that heals itself once per request: when the server stops
 * accepting our tokens mid-way (revoked, expired without refresh), or first asks for a
 * token on a later request, it signs in again through the browser, asking for the scope
 * that request's challenge names, and retries the request. On `403 insufficient_scope`
 * (step-up) it asks for the union of the scope it had and the one challenged; a request
 * still refused after that one re-authorization fails (the retry limit).
 */
export class Session {
  private connection?: Connection;
  private readonly challenges = new ScopeChallenges();

  constructor(private readonly ctx: SessionContext) {}

  async run<T>(work: (client: McpClient) => Promise<T>): Promise<T> {
    let client = await this.client();
    this.challenges.take();
    // The retry limit: per request, one sign-in because the token is missing or no longer
    // accepted, and one step-up because it lacks a scope; a further refusal is final.
    const tried = { signIn: false, stepUp: false };
    for (;;) {
      try {
        return await work(client);
      } catch (error) {
        if (!needsSignIn(error)) throw error;
        const challenge = this.challenges.take();
        const kind = challenge?.insufficientScope ? 'stepUp' : 'signIn';
        if (tried[kind]) throw error;
        tried[kind] = true;
        const scope = this.reauthorizationScope(challenge);
        await this.close();
        await this.connect(true, scope);
        client = this.connection!.client;
      }
    }
  }

  /** What to ask for when signing in again after a refused request, narrated. */
  private reauthorizationScope(challenge: ScopeChallenge | undefined): string | undefined {
    const { reporter, provider } = this.ctx;
    if (challenge?.insufficientScope) {
      const scope = scopeUnion(provider.signedInScope, provider.tokens()?.scope, challenge.scope);
      reporter.warn(`The server asks for more permissions (403 insufficient_scope${challenge.scope ? `: ${challenge.scope}` : ''}); signing in again.`);
      return scope;
    }
    reporter.warn('The server no longer accepts this sign-in (revoked or expired, or it asks for one now); signing in again.');
    return challenge?.scope;
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

  private async connect(forceSignIn: boolean, scope?: string): Promise<void> {
    const { ctx } = this;
    try {
      let signedInNow = false;
      if (forceSignIn || (await ensureFreshTokens(ctx)) === 'sign-in') {
        signedInNow = await signIn(ctx, { demanded: forceSignIn, scope });
      }
      try {
        this.connection = await openConnection(ctx, this.challenges.fetch);
      } catch (error) {
        if (signedInNow || !needsSignIn(error)) throw error;
        ctx.reporter.warn('The stored sign-in is no longer accepted (revoked or expired); signing in again.');
        await signIn(ctx, { demanded: true, scope: this.challenges.take()?.scope });
        this.connection = await openConnection(ctx, this.challenges.fetch);
      }
    } catch (error) {
      throw await connectionFailure(ctx, error);
    }
  }
}
