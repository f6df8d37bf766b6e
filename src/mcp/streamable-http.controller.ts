import { Controller, Delete, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { UserContext } from '../shared/user-context';
import { AllowedHostGuard } from './allowed-host.guard';
import { AuthenticatedUser } from './authenticated-user.decorator';
import { McpHttpErrorFilter } from './mcp-http-error.filter';
import { StreamableHttpService } from './streamable-http.service';

/**
 * MCP Streamable HTTP, both protocol eras (StreamableHttpService). GET and DELETE are
 * routed too, so a client asking for a session stream or ending a session hears the
 * stateless server's answer (405) after authentication, as the spec describes.
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

  /** 2025-era standalone stream: a stateless server has none (405). */
  @Get()
  stream(@Req() req: Request, @Res() res: Response, @AuthenticatedUser() user: UserContext): Promise<void> {
    return this.streamableHttp.handle(req, res, user);
  }

  /** 2025-era session end: there are no sessions (405). */
  @Delete()
  end(@Req() req: Request, @Res() res: Response, @AuthenticatedUser() user: UserContext): Promise<void> {
    return this.streamableHttp.handle(req, res, user);
  }
}
