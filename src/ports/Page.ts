/** One page of a list; pass `continuationToken` back to get the next. */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

export interface PageRequest {
  pageSize: number;
  continuationToken?: string;
}
