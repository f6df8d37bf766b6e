import { Module } from '@nestjs/common';
import { RateLimitModule } from '../shared/rate-limit/rate-limit.module';
import { ClientRegistry } from './client-registry.service';
import { MetadataDocumentClients } from './metadata-document-clients.service';
import { RegistrationController } from './registration.controller';

/**
 * RFC 7591 registration at `POST /register`, Client ID Metadata Documents (https URL client ids),
 * the redirect URI policy, client lookup and authentication.
 */
@Module({
  imports: [RateLimitModule],
  controllers: [RegistrationController],
  providers: [ClientRegistry, MetadataDocumentClients],
  exports: [ClientRegistry],
})
export class ClientRegistryModule {}
