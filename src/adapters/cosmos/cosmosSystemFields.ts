/** Fields Cosmos DB adds to every document; none of them belongs to the domain. */
export interface SystemFields {
  _etag?: string;
  _rid?: string;
  _ts?: number;
  _self?: string;
  _attachments?: string;
}
