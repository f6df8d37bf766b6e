import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { StoreHealthIndicator } from './store.health';

/** `GET /health` (liveness) and `GET /health/ready` (readiness: the store answers). */
@Module({
  // Terminus' own failure log would repeat what StoreHealthIndicator already logs.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [StoreHealthIndicator],
})
export class HealthModule {}
