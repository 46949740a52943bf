/** Bounds that protect the service from oversized requests. */
export const HttpLimits = {
  /** Request bodies larger than this are refused with 413 unless a route sets its own bound. */
  defaultMaxBodyBytes: 256 * 1024,
  /** The largest bound any route may set (bulk device import). */
  absoluteMaxBodyBytes: 16 * 1024 * 1024,
  /** Page sizes of list routes. */
  defaultPageSize: 100,
  maxPageSize: 1000,
  /** Mutating requests (POST, PUT, PATCH, DELETE) per caller and instance; beyond it 429 with Retry-After. */
  mutatingRequests: { burst: 1000, perMinute: 1200 },
  /**
   * Requests per client address and instance that are not served to an authenticated caller:
   * taken before anything else is done (token verification, audit), given back once the token
   * proves valid. So it limits anonymous and bad-token floods, and what a legitimate client spends
   * is only what it sends without a valid token: health probes, the API document, retries with an
   * expired token. Generous, because many people may share one address (a company's NAT egress).
   */
  unauthenticatedRequests: { burst: 300, perMinute: 600 },
  /**
   * Records the security log writes per instance and minute, however many requests it is told of:
   * requests are aggregated per (address, route, status, caller, target) with a count, and past
   * this bound only counted. One of them is kept for that count, so rotating addresses cannot grow it.
   */
  securityLogRecordsPerMinute: 60,
} as const;
