/**
 * Who may call a tool: the Entra app roles and security groups it requires. Any one of the
 * listed roles is enough, and so is any one of the listed groups; when a tool lists both, the
 * caller needs one of each. A tool that lists neither is open to every signed-in user (its
 * scopes still apply).
 */
export interface ToolAccessRule {
  /** App role values (`Tools.Admin`) as defined on the Entra app registration; compared exactly. */
  roles?: readonly string[];
  /** Security group object ids (GUIDs); compared case-insensitively. */
  groups?: readonly string[];
}

/** What the caller holds: from the id_token of their grant (proxy mode) or the access token (direct mode). */
export interface ToolAccessCaller {
  roles: readonly string[];
  groups: readonly string[];
}

export type ToolAccessDecision = { allowed: true } | { allowed: false; missingRoles: string[]; missingGroups: string[] };

export function isGated(rule: ToolAccessRule): boolean {
  return (rule.roles?.length ?? 0) > 0 || (rule.groups?.length ?? 0) > 0;
}

/** Least privilege: a gated tool runs only for a caller holding what it requires. */
export function decideToolAccess(rule: ToolAccessRule, caller: ToolAccessCaller): ToolAccessDecision {
  const roles = rule.roles ?? [];
  const groups = (rule.groups ?? []).map((g) => g.toLowerCase());
  const roleOk = roles.length === 0 || roles.some((r) => caller.roles.includes(r));
  const groupOk = groups.length === 0 || caller.groups.some((g) => groups.includes(g.toLowerCase()));
  if (roleOk && groupOk) return { allowed: true };
  return { allowed: false, missingRoles: roleOk ? [] : [...roles], missingGroups: groupOk ? [] : [...(rule.groups ?? [])] };
}

/** One sentence for the user: which role or group is missing, and how to get it. */
export function toolAccessDeniedMessage(tool: string, decision: Extract<ToolAccessDecision, { allowed: false }>): string {
  const needs: string[] = [];
  if (decision.missingRoles.length > 0) needs.push(`${decision.missingRoles.length === 1 ? 'the app role' : 'one of the app roles'} ${decision.missingRoles.join(', ')}`);
  if (decision.missingGroups.length > 0) needs.push(`membership in ${decision.missingGroups.length === 1 ? 'the group' : 'one of the groups'} ${decision.missingGroups.join(', ')}`);
  return `The tool ${tool} needs ${needs.join(' and ')}, which your account does not have; an administrator can assign it in Microsoft Entra ID, then sign in again.`;
}

/** `_meta` key under which `tools/list` shows a gated tool's requirements. */
export const TOOL_ACCESS_META_KEY = 'mcp-entra-server/authorization';

/** The requirements as shown in `tools/list` (`_meta`), or undefined for an open tool. */
export function toolAccessMeta(rule: ToolAccessRule): Record<string, { roles?: string[]; groups?: string[] }> | undefined {
  if (!isGated(rule)) return undefined;
  return {
    [TOOL_ACCESS_META_KEY]: {
      ...(rule.roles?.length ? { roles: [...rule.roles] } : {}),
      ...(rule.groups?.length ? { groups: [...rule.groups] } : {}),
    },
  };
}
