import { EntraError, EntraUnavailableError } from '../entra/entra.errors';
import { OnBehalfOfRefusedError } from '../entra/on-behalf-of.service';
import { GraphOnBehalfOfError, GraphSignInRequiredError, GraphUnavailableError } from './graph.errors';
import { onBehalfOfFailure } from './on-behalf-of.failure';

describe('onBehalfOfFailure: what a refused On-Behalf-Of exchange tells the user', () => {
  it('AADSTS65001 asks for admin consent to Graph User.Read', () => {
    const mapped = onBehalfOfFailure(new OnBehalfOfRefusedError('invalid_grant', 'AADSTS65001: The user or administrator has not consented…', 400));
    expect(mapped).toBeInstanceOf(GraphOnBehalfOfError);
    expect((mapped as Error).message).toMatch(/AADSTS65001.*admin consent.*User\.Read/);
  });

  it('a Conditional Access claims challenge asks for a fresh sign-in with the claims', () => {
    const mapped = onBehalfOfFailure(new OnBehalfOfRefusedError('interaction_required', 'AADSTS50076: Due to a configuration change…', 400, '{"access_token":{"capolids":{"essential":true,"values":["x"]}}}'));
    expect((mapped as Error).message).toMatch(/Conditional Access.*AADSTS50076.*sign in again/);
  });

  it('interaction_required without claims asks for an interactive sign-in', () => {
    const mapped = onBehalfOfFailure(new OnBehalfOfRefusedError('interaction_required', 'AADSTS50079: multi-factor authentication required', 400));
    expect((mapped as Error).message).toMatch(/AADSTS50079.*sign in again in your MCP client/);
  });

  it('invalid_grant otherwise means the sign-in is over', () => {
    expect(onBehalfOfFailure(new OnBehalfOfRefusedError('invalid_grant', 'AADSTS500133: Assertion is not within its valid time range.', 400))).toBeInstanceOf(GraphSignInRequiredError);
  });

  it("invalid_client is the server's configuration, not the user's", () => {
    expect((onBehalfOfFailure(new OnBehalfOfRefusedError('invalid_client', 'AADSTS7000215: Invalid client secret provided.', 401)) as Error).message).toMatch(/server's administrator/);
  });

  it('Entra unreachable is a Graph outage; anything not from Entra passes through', () => {
    expect(onBehalfOfFailure(new EntraUnavailableError('down'))).toBeInstanceOf(GraphUnavailableError);
    const other = new Error('boom');
    expect(onBehalfOfFailure(other)).toBe(other);
    expect(onBehalfOfFailure(new EntraError('temporarily_unavailable'))).toBeInstanceOf(GraphOnBehalfOfError);
  });
});
