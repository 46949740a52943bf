/** The local issuer's public keys, so the app validates local tokens exactly as it does Entra's. */
import { services } from '../compositionRoot';
import { loadLocalSigningKey } from '../adapters/local-issuer/localIssuer';
import { notFound } from '../http/problem';
import { noQuery } from '../http/schemas/common';
import { json } from '../http/routeSpec';
import { defineHttp } from './define/defineHttp';

defineHttp({
  name: 'getLocalIssuerKeys',
  method: 'GET',
  route: 'local-issuer/jwks.json',
  summary: 'JWKS of the development token issuer (only when LOCAL_ISSUER=true; 404 otherwise)',
  tags: ['Operations'],
  auth: 'anonymous',
  query: noQuery,
  responses: { 200: { description: 'The key set', contentType: 'application/json' } },
  handler: async () => {
    const { localIssuer } = services().config;
    if (!localIssuer.enabled) return notFound('The local issuer is disabled');
    const key = await loadLocalSigningKey(localIssuer.dataDir);
    return json(200, { keys: [key.publicJwk] }, { 'cache-control': 'public, max-age=300' });
  },
});
