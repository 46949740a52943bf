/** The authenticated caller, taken from a validated token. */
export interface Principal {
  /** Entra tenant id (`tid`): the tenant whose resources the caller may reach. */
  tenantId: string;
  /** The token's issuer (`iss`), already checked against the configured one for its `tid`. */
  issuer: string;
  /** Object id (`oid`), or the subject when the token has none. */
  objectId: string;
  subject: string;
  /** User principal name, for user tokens. */
  upn?: string;
  roles: string[];
}
