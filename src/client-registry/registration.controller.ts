import { Body, Controller, HttpCode, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { OAuthExceptionFilter } from '../shared/oauth-errors';
import { RateLimit, RateLimitGuard } from '../shared/rate-limit/rate-limit.guard';
import { ClientRegistry, RegistrationResponse } from './client-registry.service';
import { Public } from '../shared/auth/public.decorator';

/** RFC 7591 dynamic client registration. */
@Public()
@Controller()
@UseFilters(OAuthExceptionFilter.forClients())
@UseGuards(RateLimitGuard)
export class RegistrationController {
  constructor(private readonly registry: ClientRegistry) {}

  @Post('register')
  @HttpCode(201)
  @RateLimit('register')
  async register(@Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<RegistrationResponse> {
    const registered = await this.registry.register(body);
    // RFC 7591 §3.2.1 carries a client secret: never cached.
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    return registered;
  }
}
