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

/**
 * What a person reads as a name must show what it holds. Control characters (NUL, CR/LF) split log
 * lines and are cut short by C code; format characters (the bidirectional overrides U+202A-U+202E
 * and isolates U+2066-U+2069, the marks U+200E/F, zero-width characters) make `ad\u202enimda`
 * display as another name in an admin centre or an audit record; a lone surrogate cannot be
 * encoded as UTF-8 at all. A UPN with a right-to-left override and a NUL was stored before this.
 */
export function withoutHiddenCharacters(schema: z.ZodString): z.ZodString {
  return schema.regex(
    /^[^\p{Cc}\p{Cf}\p{Cs}]*$/u,
    'must not contain control or format characters (such as NUL or a bidirectional override) or lone surrogates',
  );
}

/** A human name (a tenant's, a policy's): trimmed, 1 to `max` characters, none of them hidden. */
export function displayText(max: number): z.ZodString {
  return withoutHiddenCharacters(z.string().trim().min(1).max(max));
}

export const tenantPathParams = z.strictObject({ tenantId: guid });

export const noQuery = z.strictObject({});

/**
 * A whole number given in the query string, in decimal digits only: `z.coerce.number()` takes
 * whatever `Number()` does, so `?pageSize=` read as 0, `0x10` as 16, `1e2` as 100 and ` 5` as 5.
 */
export function queryInteger(min: number, max: number) {
  const range = `must be a whole number from ${min} to ${max}`;
  return (
    z
      .string()
      .regex(/^[0-9]{1,10}$/, range)
      .transform(Number)
      .pipe(z.number().int().min(min, range).max(max, range))
      // The API document describes the value, not the digits it arrives as.
      .meta({ type: 'integer', minimum: min, maximum: max })
  );
}

/** `pageSize` of every list route. */
export const pageSize = queryInteger(1, HttpLimits.maxPageSize).default(HttpLimits.defaultPageSize);

/** A continuation token as this API returned it (opaque; checked again where it is decoded). */
export const continuationToken = z.string().min(1).max(8192);

const armSubscriptionAndGroup =
  '\\/subscriptions\\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\/resourceGroups\\/[-\\w.()]{0,89}[-\\w()]';
/** A resource's name inside an ARM id, as a regular-expression source. */
export const armName = '[\\w][-\\w.]{0,79}';

/**
 * An ARM resource id of one type: `/subscriptions/{guid}/resourceGroups/{group}/providers/` then
 * `providerPath` (a regular-expression source). ARM compares ids without regard to case.
 */
export function armResourceId(providerPath: string, shape: string) {
  return z
    .string()
    .max(400)
    .regex(new RegExp(`^${armSubscriptionAndGroup}\\/providers\\/${providerPath}$`, 'i'), `must be ${shape}`);
}
