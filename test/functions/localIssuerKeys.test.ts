import { describe, expect, it } from 'vitest';
import { call } from '../support/http';
import { startTestEnvironment } from '../support/testEnvironment';

describe('GET /api/local-issuer/jwks.json', () => {
  it('is served in local mode and answers 404 otherwise', async () => {
    const local = await startTestEnvironment();
    const served = await call(`${local.baseUrl}/local-issuer/jwks.json`);
    await local.close();
    expect(served.status).toBe(200);
    expect(served.body.keys).toHaveLength(1);

    const production = await startTestEnvironment({ LOCAL_ISSUER: 'false' });
    const hidden = await call(`${production.baseUrl}/local-issuer/jwks.json`);
    await production.close();
    expect(hidden.status).toBe(404);
  });
});
