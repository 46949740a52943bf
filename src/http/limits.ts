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
} as const;
