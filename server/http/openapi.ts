import { OpenApiGeneratorV31, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

/** The OpenAPI 3.1 document, generated from the zod schemas the routes validate with. */
export function openapiDocument(registry: OpenAPIRegistry, serverUrl?: string) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Billkit API',
      version: '1.0.0',
      description:
        'The Billkit backend-for-frontend. Amounts are integers of minor units with an ISO 4217 currency. ' +
        'Errors are RFC 9457 problem details with a stable `code`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: serverUrl ? [{ url: serverUrl }] : [],
  });
}
