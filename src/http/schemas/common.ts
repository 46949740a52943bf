/** Schemas that many routes share. Every string has a bound, every object rejects unknown fields. */
import { z } from 'zod';
import { HttpLimits } from '../limits';

export const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');

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
