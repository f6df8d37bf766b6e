import { Injectable } from '@nestjs/common';
import { GraphClient } from '../graph/graph-client';
import { SCOPES } from '../shared/scopes';
import { McpTool } from './mcp-tool.decorator';
import { UserContextAccessor } from './user-context.accessor';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;

/** Tools that read the signed-in user's profile from Microsoft Graph `/me`. */
@Injectable()
export class UserProfileTools {
  constructor(
    private readonly graph: GraphClient,
    private readonly currentUser: UserContextAccessor,
  ) {}

  @McpTool({
    name: 'get_user_name',
    title: 'Get user name',
    description: "Returns the signed-in user's display name from Microsoft Graph.",
    requiredScopes: [SCOPES.tools, SCOPES.userRead],
    annotations: READ_ONLY,
  })
  async getUserName(): Promise<string> {
    const me = await this.graph.getMe(this.currentUser.get());
    return me.displayName;
  }

  @McpTool({
    name: 'get_user_profile',
    title: 'Get user profile',
    description: "Returns the signed-in user's display name, mail, job title and user principal name from Microsoft Graph.",
    requiredScopes: [SCOPES.tools, SCOPES.userRead],
    annotations: READ_ONLY,
  })
  async getUserProfile(): Promise<{ displayName: string; mail: string | null; jobTitle: string | null; userPrincipalName: string | null }> {
    const me = await this.graph.getMe(this.currentUser.get());
    return { displayName: me.displayName, mail: me.mail, jobTitle: me.jobTitle, userPrincipalName: me.userPrincipalName };
  }
}
