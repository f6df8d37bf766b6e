import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { StoreHealthIndicator } from './store.health';
import { Public } from '../shared/auth/public.decorator';

/** Probes for orchestrators and load balancers. Public: they carry no user data. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
  ) {}

  /** Liveness: the process answers HTTP. Deliberately checks nothing else, so an outage elsewhere never restarts it. */
  @Get()
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: 200 when the state store is reachable, 503 (with which check failed) when not. */
  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.store.check('store')]);
  }
}
