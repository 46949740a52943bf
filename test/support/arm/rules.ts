/**
 * Every behaviour of the ARM double, each tagged `documented` (a page and a short quote) or
 * `assumed` (and why). Refusals carry the status and error code the double answers with; product
 * code may branch on a documented code, never on an assumed one (issue 28).
 */
import type { ArmLimits } from './types';

export interface DocumentedRule {
  kind: 'documented';
  url: string;
  quote: string;
  /** Where the code or status is not on the page, what is assumed about it. */
  note?: string;
  status?: number;
  code?: string;
}
export interface AssumedRule {
  kind: 'assumed';
  why: string;
  status?: number;
  code?: string;
}
export type Rule = DocumentedRule | AssumedRule;

const THROTTLING =
  'https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/request-limits-and-throttling';
const ASYNC = 'https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/async-operations';
const COPY =
  'https://learn.microsoft.com/en-us/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions';
const INCREMENTAL = 'https://learn.microsoft.com/en-us/azure/virtual-machines/disks-incremental-snapshots';
// The Compute REST API specification (DiskRP, api-version 2023-04-02 onwards; the SDK sends 2026-03-02).
const SPEC =
  'https://github.com/Azure/azure-rest-api-specs/tree/main/specification/compute/resource-manager/Microsoft.Compute/DiskRP';

// Codes for limits Azure documents without naming the error: one generic ARM conflict code, so an
// adapter that branched on it would be branching on an assumption (and a test would say so).
const ASSUMED_LIMIT_CODE = 'OperationNotAllowed';

export const RULES = {
  'arm.throttle.tokenBucket': {
    kind: 'documented',
    url: THROTTLING,
    quote:
      'Subscription | reads | 250 | 25; Subscription | deletes | 200 | 10; Subscription | writes | 200 | 10 (bucket size, refill rate per second). Subscription limits apply per subscription, per service principal, and per operation type.',
  },
  'arm.throttle.global': {
    kind: 'documented',
    url: THROTTLING,
    quote:
      'There are also global subscription limits that are equivalent to 15 times the individual service principal limits for each operation type. The global limits apply across all service principals.',
  },
  'arm.throttle.regional': {
    kind: 'documented',
    url: THROTTLING,
    quote: 'Throttling limits are now applied per region rather than per instance of Azure Resource Manager.',
    note: 'The region is that of the ARM instance serving the caller, not the resource: the double takes it from the token (credentialFor(principal, { callerRegion })).',
  },
  'arm.throttle.429': {
    kind: 'documented',
    url: THROTTLING,
    quote:
      "When you reach the limit, you receive the HTTP status code 429 Too many requests. The response includes a Retry-After value, which specifies the number of seconds your application should wait (or sleep) before sending the next request. If you send a request before the retry value has elapsed, your request isn't processed and a new retry value is returned.",
    note: 'Code SubscriptionRequestsThrottled: learn.microsoft.com/troubleshoot, "Troubleshoot the SubscriptionRequestsThrottled error code (429)". Retry-After is in the double\'s simulated seconds (its only clock); a throttled call consumes no token.',
    status: 429,
    code: 'SubscriptionRequestsThrottled',
  },
  'arm.throttle.headers': {
    kind: 'documented',
    url: THROTTLING,
    quote:
      'x-ms-ratelimit-remaining-subscription-reads: Subscription scoped reads remaining. This value is returned on read operations. x-ms-ratelimit-remaining-subscription-writes: Subscription scoped writes remaining. This value is returned on write operations.',
    note: '-deletes on deletes, and the -global- variants ("x-ms-ratelimit-remaining-subscription-global-{action}", ARM supportability guide "Throttling", token bucket section) are sent too; every authenticated answer, 429s included, carries the pair for its operation type.',
  },
  'arm.throttle.operationKind': {
    kind: 'assumed',
    why: 'GET (polls of operation status included) is a read, DELETE a delete, PUT/PATCH/POST a write: the page names the three buckets but not the mapping; live captures show a POST answered with -writes.',
  },
  'arm.lro.asyncOperation': {
    kind: 'documented',
    url: ASYNC,
    quote:
      'An asynchronous operation initially returns an HTTP status code of either: 201 (Created) 202 (Accepted) … Azure-AsyncOperation - URL for checking the ongoing status of the operation. If your operation returns this value, use it to track the status of the operation.',
    note: 'Disk RP answers 202 with both Azure-AsyncOperation (…/locations/{l}/DiskOperations/{id}) and Location (same URL with monitor=true); spec examples Snapshot_BeginGetAccess.json / Snapshot_Delete.json show the Location form.',
  },
  'arm.lro.status': {
    kind: 'documented',
    url: ASYNC,
    quote:
      '"status" : "Succeeded | Failed | Canceled | {resource provider values}", … When the status is Failed or Canceled, an error object is returned.',
    note: 'While running the double answers "InProgress"; when done, Disk RP puts the result in properties.output (assumed) and the Location URL answers 200 with the result (the SDK reads it for beginGetAccess).',
  },
  'arm.lro.retryAfter': {
    kind: 'assumed',
    why: 'The page says "not every asynchronous operation returns all these values"; the double sends no Retry-After on 202s, so the client polls at its own interval (the SDK: 2 s unless updateIntervalInMs).',
  },
  'arm.lro.duration': {
    kind: 'assumed',
    why: 'Snapshot create/delete/grant take seconds in Azure and the time is not documented: 5 simulated seconds.',
  },
  'arm.error.shape': {
    kind: 'documented',
    url: ASYNC,
    quote: '"error" : { "code": "{error code}", "message": "{error description}" }',
  },
  'arm.auth.missing': {
    kind: 'assumed',
    why: 'ARM refuses a call without a bearer token with 401 and code AuthenticationFailed ("Authentication failed. The \'Authorization\' header is missing."); the wording is as Azure answers, not from a reference page.',
    status: 401,
    code: 'AuthenticationFailed',
  },
  'arm.auth.invalid': {
    kind: 'assumed',
    why: 'A token ARM cannot validate is refused with 401 InvalidAuthenticationToken, as Azure answers; not on a reference page.',
    status: 401,
    code: 'InvalidAuthenticationToken',
  },
  'arm.notFound': {
    kind: 'assumed',
    why: "A missing resource answers 404 with code ResourceNotFound (\"The Resource 'Microsoft.Compute/snapshots/x' under resource group 'rg' was not found.\"), as Azure answers; status 404 is what the SDK and product rely on.",
    status: 404,
    code: 'ResourceNotFound',
  },
  'arm.put.idempotent': {
    kind: 'assumed',
    why: "A PUT repeating an existing snapshot's creationData answers 200 with the existing resource and creates nothing (ARM PUT semantics); tags are replaced. A PUT changing creationData is refused 409 PropertyChangeNotAllowed (a common ARM code; the Disk RP wording is not documented).",
    status: 409,
    code: 'PropertyChangeNotAllowed',
  },
  'arm.badRequest': {
    kind: 'assumed',
    why: "A body the double cannot accept (missing location or creationData, unknown createOption) answers 400 InvalidParameter, ARM's usual validation code.",
    status: 400,
    code: 'InvalidParameter',
  },
  'disk.snapshot.rateWindow': {
    kind: 'documented',
    url: INCREMENTAL,
    quote: 'Up to seven incremental snapshots per disk can be created every five minutes.',
    note: `The error code is not documented: 409 ${ASSUMED_LIMIT_CODE} (assumed). A repeated PUT of an existing snapshot does not count.`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'disk.snapshot.perDisk': {
    kind: 'documented',
    url: INCREMENTAL,
    quote: 'A total of 500 incremental snapshots can be created for a single disk.',
    note: `Counted as incremental snapshots of the disk that exist in its own region (deleted ones free a place; copies in other regions do not count): assumed reading. Code 409 ${ASSUMED_LIMIT_CODE} assumed.`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'disk.snapshot.sameSubscription': {
    kind: 'documented',
    url: INCREMENTAL,
    quote:
      "You can't create an incremental snapshot for a particular disk outside of that disk's subscription.",
    note: 'Code 400 InvalidParameter assumed.',
    status: 400,
    code: 'InvalidParameter',
  },
  'disk.snapshot.sameRegion': {
    kind: 'assumed',
    why: "createOption Copy of a disk makes the snapshot in the disk's region; a different location is refused 400 InvalidParameter (cross-region needs CopyStart).",
    status: 400,
    code: 'InvalidParameter',
  },
  'disk.snapshot.firstIsFull': {
    kind: 'documented',
    url: INCREMENTAL,
    quote:
      'The first incremental snapshot is a full copy of the disk. The subsequent incremental snapshots occupy only delta changes to disks since the last snapshot.',
  },
  'disk.sas.familyLimit': {
    kind: 'documented',
    url: INCREMENTAL,
    quote:
      'You can currently only generate SAS URIs of up to five snapshots of a particular snapshot family at any given time.',
    note: `Family = the source disk's snapshots in one region (assumed). Code 409 ${ASSUMED_LIMIT_CODE} assumed.`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'disk.sas.denyAll': {
    kind: 'documented',
    url: SPEC,
    quote: 'NetworkAccessPolicy DenyAll: "The disk cannot be exported."',
    note: `Snapshots inherit the source disk's policy unless the PUT names one (assumed). beginGetAccess on DenyAll is refused 409 ${ASSUMED_LIMIT_CODE} (code assumed).`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'copy.inFlight': {
    kind: 'documented',
    url: COPY,
    quote: 'You can copy 100 incremental snapshots in parallel at the same time per subscription per region.',
    note: `Counted per (target subscription, target region), queued copies included. The 101st PUT is refused 409 ${ASSUMED_LIMIT_CODE} (code assumed).`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'copy.onePerDisk': {
    kind: 'documented',
    url: COPY,
    quote: 'You can only copy one incremental snapshot of a particular disk at a time.',
    note: 'Whether a second PUT is refused or waits is not documented: the double accepts it and it waits (completionPercent stays 0) until the earlier one ends — the harder case for a caller, which sees no error.',
  },
  'copy.order': {
    kind: 'documented',
    url: COPY,
    quote: 'Snapshots must be copied in the order they were created.',
    note: `Copying a snapshot older than one of the same disk already copied (or copying) into that region is refused 409 ${ASSUMED_LIMIT_CODE} (code assumed).`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'copy.changesOnly': {
    kind: 'documented',
    url: COPY,
    quote:
      'Azure ensures that only changes since the last snapshot in the target region are copied to the target region.',
    note: "Base = the newest completed copy of the same disk in the target region that still exists; none = a full copy of the disk's size (the double does not model used vs provisioned size).",
  },
  'copy.completionPercent': {
    kind: 'documented',
    url: COPY,
    quote:
      'You can check the process of a copy so you know when a target snapshot is ready to restore disks.',
    note: 'The page\'s CLI sample polls completionPercent after the create returns. The PUT\'s LRO succeeds while completionPercent < 100 (issue 28). The SDK enum text for CopyStart ("considered complete only after all data has been copied") speaks of the resource, not the LRO.',
  },
  'copy.deleteSource': {
    kind: 'documented',
    url: COPY,
    quote: "Don't delete your source snapshot while the target snapshot is being copied.",
    note: 'Spec CopyCompletionErrorReason CopySourceNotFound: "Indicates that the source snapshot was deleted while the background copy of the resource created via CopyStart operation was in progress." The DELETE succeeds; the target stops and reports copyCompletionError; its provisioningState stays Succeeded (assumed).',
  },
  'copy.crossRegionOnly': {
    kind: 'assumed',
    why: "CopyStart is the cross-region copy; a CopyStart into the source's own region, or of anything but an incremental snapshot (a disk, say), is refused 400 InvalidParameter.",
    status: 400,
    code: 'InvalidParameter',
  },
  'copy.cmkTargetEncryption': {
    kind: 'assumed',
    why: 'Issue 28: a disk encrypted with a customer-managed key needs a disk encryption set named in the target region. A CopyStart of such a disk without properties.encryption.diskEncryptionSetId is refused 400 InvalidParameter (the page quote and the code were not found).',
    status: 400,
    code: 'InvalidParameter',
  },
  'copy.sourceNotReady': {
    kind: 'assumed',
    why: 'A CopyStart whose source is itself a copy that has not completed is refused 409 OperationNotAllowed: there is no data to copy yet.',
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'copy.throughput': {
    kind: 'assumed',
    why: 'Azure documents no cross-region copy rate (only that provisionedBandwidthCopySpeed "Enhanced" is faster). Default 100 GiB per hour per copy (~28 MiB/s, one server-side blob copy stream): a 128 GiB OS disk seeds in ~77 min, a 2 GiB change moves in ~72 s.',
  },
  'copy.minimumDuration': {
    kind: 'assumed',
    why: 'A copy has a fixed start-up cost even with no changes: 30 simulated seconds, so even an empty copy is seen below 100 % after its LRO succeeds.',
  },
  'copy.targetDelete': {
    kind: 'assumed',
    why: "Deleting a target that is still copying is allowed; it stops the copy, frees its in-flight place and lets the disk's next copy start.",
  },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

/** Documented defaults (see the rules each names). */
export const DOCUMENTED_LIMITS: ArmLimits = {
  // arm.throttle.tokenBucket
  readsBucket: 250,
  readsRefillPerSecond: 25,
  writesBucket: 200,
  writesRefillPerSecond: 10,
  deletesBucket: 200,
  deletesRefillPerSecond: 10,
  // arm.throttle.global
  globalMultiplier: 15,
  // disk.snapshot.rateWindow
  snapshotsPerWindow: 7,
  snapshotWindowMs: 5 * 60_000,
  // disk.snapshot.perDisk
  snapshotsPerDisk: 500,
  // copy.inFlight
  copiesInFlightPerSubscriptionRegion: 100,
  // disk.sas.familyLimit
  sasPerSnapshotFamily: 5,
  // arm.lro.duration (assumed)
  lroMs: 5_000,
};

/** copy.throughput and copy.minimumDuration (assumed). */
export const DEFAULT_COPY_GIB_PER_HOUR = 100;
export const DEFAULT_COPY_MINIMUM_MS = 30_000;
export const DEFAULT_TIME_SCALE = 60;
