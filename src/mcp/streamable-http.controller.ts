import { Controller, Delete, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { UserContext } from '../oauth/user-context';
import { AllowedHostGuard } from './allowed-host.guard';
import { AuthenticatedUser } from './authenticated-user.decorator';
import { McpHttpErrorFilter } from './mcp-http-error.filter';
import { StreamableHttpService } from './streamable-http.service';

/**
 * MCP Streamable HTTP. Nest has already parsed the body: the SDK transport gets it
 * as `parsedBody`, and the raw response (`@Res()`) because it streams.
 */
@Controller('mcp')
@UseGuards(AllowedHostGuard)
@UseFilters(McpHttpErrorFilter)
export class StreamableHttpController {
  constructor(private readonly streamableHttp: StreamableHttpService) {}

  @Post()
  post(@Req() req: Request, @Res() res: Response, @AuthenticatedUser() user: UserContext): Promise<void> {
    return this.streamableHttp.handle(req, res, user);
  }

  /** The session's standalone SSE stream for server-initiated messages. */
  @Get()
  stream(@Req() req: Request, @Res() res: Response, @AuthenticatedUser() user: UserContext): Promise<void> {
    return this.streamableHttp.handle(req, res, user);
  }

  /** Ends the session. */
  @Delete()
  end(@Req() req: Request, @Res() res: Response, @AuthenticatedUser() user: UserContext): Promise<void> {
    return this.streamableHttp.handle(req, res, user);
  }
}
