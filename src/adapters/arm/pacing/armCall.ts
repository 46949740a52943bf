/**
 * What a request to ARM spends: the bucket it draws on, named by scope (its subscription, or the
 * tenant for calls outside any subscription) and kind (read, write or delete by HTTP method).
 */
import type { ArmCallKind } from './armLimits';

export interface ArmBucketKey {
  scope: 'subscription' | 'tenant';
  /** The subscription id in lower case; `tenant` for tenant-level calls. */
  subscriptionId: string;
  kind: ArmCallKind;
}

const subscriptionPath = /^\/subscriptions\/([^/?#]+)/i;

export function armBucketOf(method: string, url: string): ArmBucketKey {
  const kind = kindOf(method);
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const match = subscriptionPath.exec(path);
  return match
    ? { scope: 'subscription', subscriptionId: decodeURIComponent(match[1]!).toLowerCase(), kind }
    : { scope: 'tenant', subscriptionId: 'tenant', kind };
}

/** GET and HEAD read; DELETE deletes; PUT, PATCH and POST (actions such as granting a SAS) write. */
export function kindOf(method: string): ArmCallKind {
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD') return 'read';
  if (upper === 'DELETE') return 'delete';
  return 'write';
}

export function bucketName(key: ArmBucketKey): string {
  return `${key.subscriptionId}/${key.kind}`;
}
