import { Module } from '@nestjs/common';
import { EntraClient } from './entra-client.port';
import { OpenIdEntraClient } from './openid-entra.client';

/** The upstream OAuth client for Microsoft Entra ID (a real tenant or the emulator: same code). */
@Module({
  providers: [{ provide: EntraClient, useClass: OpenIdEntraClient }],
  exports: [EntraClient],
})
export class EntraModule {}
