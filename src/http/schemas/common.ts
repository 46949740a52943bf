/** Schemas that many routes share. Every string has a bound, every object rejects unknown fields. */
import { z } from 'zod';
import { HttpLimits } from '../limits';

/**
 * Any case in, lower case out. The pipeline matches a path's tenant to the token's without regard
 * to case, so before this `PUT tenants/{id}` in upper case made a second tenant of the same id
 * (and restore-point names, which hold the id lower-case, would have mixed their devices' points).
 */
export const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID')
  .toLowerCase();

export const regionName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be a region name such as westeurope');

export const tenantPathParams = z.strictObject({ tenantId: guid });

export const noQuery = z.strictObject({});

/** `pageSize` of every list route. */
export const pageSize = z.coerce
  .number()
  .int()
  .min(1)
  .max(HttpLimits.maxPageSize)
  .default(HttpLimits.defaultPageSize);

/** A continuation token as this API returned it (opaque; checked again where it is decoded). */
export const continuationToken = z.string().min(1).max(8192);
