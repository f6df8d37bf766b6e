import { Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { UserContext } from '../shared/user-context';
import { AllowedHostGuard } from './allowed-host.guard';
import { AuthenticatedUser } from './authenticated-user.decorator';
import { McpHttpErrorFilter } from './mcp-http-error.filter';
import { SseService } from './sse.service';

/** MCP HTTP+SSE transport: `GET /sse` (stream) and `POST /messages?sessionId=…`. */
@Controller()
@UseGuards(AllowedHostGuard)
@UseFilters(McpHttpErrorFilter)
export class SseController {
  constructor(private readonly sse: SseService) {}

  @Get('sse')
  open(@Res() res: Response, @AuthenticatedUser() user: UserContext): Promise<void> {
    return this.sse.open(res, user);
  }

  @Post('messages')
  post(@Req() req: Request, @Res() res: Response, @AuthenticatedUser() user: UserContext, @Query('sessionId') sessionId: unknown): Promise<void> {
    return this.sse.post(req, res, user, sessionId);
  }
}
