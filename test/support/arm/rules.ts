/**
 * Every behaviour of the ARM double, each tagged `documented` (a page and a short quote) or
 * `assumed` (and why). Refusals carry the status and error code the double answers with; product
 * code may branch on a documented code, never on an assumed one (issue 28).
 */
import { AVD_RULES } from './avdRules';
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

// Compute and network (issue 29).
const SKU_NOT_AVAILABLE =
  'https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-sku-not-available';
const QUOTA_ERRORS =
  'https://learn.microsoft.com/el-gr/azure/azure-resource-manager/templates/error-resource-quota';
const COMPUTE_THROTTLING =
  'https://learn.microsoft.com/en-us/azure/virtual-machines/compute-throttling-limits';
const COMPUTE_THROTTLING_ERRORS =
  'https://docs.microsoft.com/en-us/troubleshoot/azure/virtual-machines/troubleshooting-throttling-errors';
const ALLOCATION_ERRORS =
  'https://learn.microsoft.com/en-us/troubleshoot/azure/azure-kubernetes/error-codes/zonalallocation-allocationfailed-error';
const GENERATION_2 = 'https://learn.microsoft.com/en-us/azure/virtual-machines/generation-2';
const TRUSTED_LAUNCH = 'https://learn.microsoft.com/en-us/azure/virtual-machines/trusted-launch';
const INSTANT_ACCESS =
  'https://learn.microsoft.com/en-us/azure/virtual-machines/disks-instant-access-snapshots';
const OS_DISK_DELETE_OPTION =
  'https://learn.microsoft.com/en-us/dotnet/api/azure.resourcemanager.compute.models.virtualmachineosdisk.deleteoption?view=azure-dotnet-preview';
const SKU_RESTRICTION =
  'https://learn.microsoft.com/en-us/javascript/api/%40azure/arm-storage/restriction?view=azure-node-latest';
const CAPACITY_RESERVATION = 'https://learn.microsoft.com/en-us/answers/a/12711331';

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

  // ---- Compute and network (issue 29) ----
  'disk.copy.fromSnapshot': {
    kind: 'documented',
    url: INSTANT_ACCESS,
    quote:
      'Snapshots of Premium SSD, Standard SSD, and Standard HDD disks are instant access by default. Immediately upon creation, these snapshots can be used to restore new disks',
    note: "A disk PUT with creationData { createOption: 'Copy', sourceResourceId: <snapshot> } is ready when its LRO ends. It takes the snapshot's size, osType, hyperVGeneration, securityProfile and supportedCapabilities (issue 29: a disk made from a snapshot inherits Trusted Launch). Only snapshots are modelled as sources.",
  },
  'disk.copy.sameRegion': {
    kind: 'assumed',
    why: "A disk is made from a snapshot in the snapshot's own region (another region goes through CopyStart first); a different location is refused 400 InvalidParameter. No page with the code was found.",
    status: 400,
    code: 'InvalidParameter',
  },
  'disk.copy.sourceNotReady': {
    kind: 'documented',
    url: COPY,
    quote:
      'You can check the process of a copy so you know when a target snapshot is ready to restore disks.',
    note: `A CopyStart target below 100 % (or whose copy failed) cannot be the source of a disk. What ARM answers is not documented: 409 ${ASSUMED_LIMIT_CODE} (assumed).`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'disk.put.idempotent': {
    kind: 'assumed',
    why: 'A repeated disk PUT with the same source and zone answers 200 with the disk (tags follow the PUT); changing creationData or zones is refused 409 PropertyChangeNotAllowed, the common ARM code (Disk RP wording not found).',
    status: 409,
    code: 'PropertyChangeNotAllowed',
  },
  'disk.delete.attached': {
    kind: 'assumed',
    why: `Deleting a disk a VM still holds (managedBy set, a Failed VM included) is refused 409 ${ASSUMED_LIMIT_CODE} ("Disk x is attached to VM y."), as Azure answers; no reference page with the code was found.`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'nic.subnet.reference': {
    kind: 'assumed',
    why: 'A NIC whose ipConfigurations[0].properties.subnet.id names no subnet in the NIC\'s subscription and region is refused 400 InvalidResourceReference ("Resource … referenced by resource … was not found. Please make sure that the referenced resource exists, and that both resources are in the same region."), as Azure Network answers; the message is from experience, no reference page was found.',
    status: 400,
    code: 'InvalidResourceReference',
  },
  'nic.delete.inUse': {
    kind: 'assumed',
    why: 'Deleting a NIC a VM uses is refused 400 NicInUse ("Network Interface … is used by existing resource …"), as Azure Network answers; no reference page with the code was found.',
    status: 400,
    code: 'NicInUse',
  },
  'network.lro': {
    kind: 'documented',
    url: ASYNC,
    quote:
      'Azure-AsyncOperation - URL for checking the ongoing status of the operation. If your operation returns this value, use it to track the status of the operation.',
    note: 'Network answers a NIC PUT 201 and a DELETE 202 with Azure-AsyncOperation …/providers/Microsoft.Network/locations/{l}/operations/{id} (the arm-network SDK polls it: resourceLocationConfig azure-async-operation). The operation lasts lroMs (assumed).',
  },
  'vm.lro': {
    kind: 'documented',
    url: ASYNC,
    quote:
      'An asynchronous operation initially returns an HTTP status code of either: 201 (Created) 202 (Accepted) … Azure-AsyncOperation - URL for checking the ongoing status of the operation.',
    note: 'Compute answers a new VM PUT 201 (an existing one 200) with the VM body (provisioningState Creating/Updating) and Azure-AsyncOperation …/providers/Microsoft.Compute/locations/{l}/operations/{id}; the operation ends when provisioning does; DELETE answers 202.',
  },
  'vm.put.converges': {
    kind: 'assumed',
    why: 'Issue 29: Compute treats PUT like PATCH; a repeated PUT of one VM with nothing changed answers 200 and starts no provisioning; a PUT of a Failed VM (or with another size) provisions again, the VM keeping its id and timeCreated.',
  },
  'vm.put.immutable': {
    kind: 'assumed',
    why: "A VM's zones and OS disk cannot change by PUT (a zonal retry means deleting the VM and making the disk again in the other zone): refused 409 PropertyChangeNotAllowed, the common ARM code; the Compute wording was not found.",
    status: 409,
    code: 'PropertyChangeNotAllowed',
  },
  'vm.badRequest': {
    kind: 'assumed',
    why: "A VM body the double does not model (no location, no hardwareProfile.vmSize, an osDisk that is not createOption Attach with managedDisk.id, no NIC) answers 400 InvalidParameter, Compute's usual validation code.",
    status: 400,
    code: 'InvalidParameter',
  },
  'vm.disk.zone': {
    kind: 'assumed',
    why: 'Issue 29: a zonal disk attaches only to a VM in its zone (and a zonal disk not to a regional VM). Compute validates this synchronously; 400 BadRequest is assumed, the exact code was not found.',
    status: 400,
    code: 'BadRequest',
  },
  'vm.disk.region': {
    kind: 'assumed',
    why: 'A VM attaches a disk of its own subscription and region only; otherwise 400 BadRequest (assumed code). A missing disk is 404 ResourceNotFound naming the disk.',
    status: 400,
    code: 'BadRequest',
  },
  'vm.disk.attachedElsewhere': {
    kind: 'assumed',
    why: `A disk whose managedBy names another VM (a Failed one included) cannot be attached: 409 ${ASSUMED_LIMIT_CODE} (assumed code; Azure says the disk is attached to VM …).`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'vm.size.unknown': {
    kind: 'assumed',
    why: 'A size the catalogue does not offer in the region is answered like a restricted one, 409 SkuNotAvailable, since the documented message covers "not available in location".',
    status: 409,
    code: 'SkuNotAvailable',
  },
  'vm.size.hyperVGeneration': {
    kind: 'documented',
    url: GENERATION_2,
    quote:
      "You can't change a virtual machine's generation after you've created it … Azure now offers generation 2 support for the following selected VM series",
    note: "A size whose HyperVGenerations capability lacks the disk's generation is refused synchronously, 400 BadRequest (code assumed; Azure's message reads 'The selected VM size … cannot boot Hypervisor Generation …').",
    status: 400,
    code: 'BadRequest',
  },
  'vm.size.diskController': {
    kind: 'assumed',
    why: 'Issue 29: NVMe-only sizes do not boot SCSI images. A disk whose supportedCapabilities.diskControllerTypes lacks NVMe (absent = SCSI only) on a size whose DiskControllerTypes capability is NVMe only is refused 400 BadRequest; the NVMe pages found describe the constraint but not the error code.',
    status: 400,
    code: 'BadRequest',
  },
  'vm.size.premiumIO': {
    kind: 'assumed',
    why: 'A Premium_LRS/Premium_ZRS disk on a size whose PremiumIO capability is False is refused 400 BadRequest (Azure: "…does not support the storage account type Premium_LRS…"); code from experience, not a page.',
    status: 400,
    code: 'BadRequest',
  },
  'vm.security.match': {
    kind: 'documented',
    url: TRUSTED_LAUNCH,
    quote: 'Azure offers trusted launch as a seamless way to improve the security of generation 2 VMs.',
    note: "The VM declares its OS disk's security type (issue 29): a TrustedLaunch disk needs securityProfile.securityType TrustedLaunch, a Standard disk none, a confidential disk ConfidentialVM. A mismatch is refused 400 BadRequest (code assumed).",
    status: 400,
    code: 'BadRequest',
  },
  'vm.security.size': {
    kind: 'documented',
    url: TRUSTED_LAUNCH,
    quote:
      'Virtual machines sizes | Type | Virtual machines sizes supported | Sizes not supported yet. … Dv5-series, Dsv5-series … Dasv5-series',
    note: 'A Trusted Launch VM on a size with TrustedLaunchDisabled (or a confidential VM on a size without ConfidentialComputingType) is refused 400 BadRequest (code assumed).',
    status: 400,
    code: 'BadRequest',
  },
  'vm.size.skuNotAvailable': {
    kind: 'documented',
    url: SKU_NOT_AVAILABLE,
    quote:
      "The requested size for resource '<resource ID>' is currently not available in location '<location>' zones '<zones>' for subscription '<subscription ID>'. Please try another size or deploy to a different location or zones.",
    note: 'Code SkuNotAvailable is on the page; the status 409 is assumed. Raised for a size restricted (NotAvailableForSubscription) for the subscription in the region or the zone.',
    status: 409,
    code: 'SkuNotAvailable',
  },
  'vm.quota.cores': {
    kind: 'documented',
    url: QUOTA_ERRORS,
    quote:
      'Code=OperationNotAllowed Message=Operation results in exceeding quota limits of Core. Maximum allowed: 4, Current in use: 4, Additional requested: 2.',
    note: 'Checked per (subscription, region, family) against setQuota (no quota unless set: default quotas depend on the offer). The message follows the longer form Azure sends ("Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: …, Current Limit: …, Current Usage: …, Additional Required: …, (Minimum) New Limit Required: …", github.com/mspnp/aks-baseline/issues/377). Status 409 assumed. VMs in Failed state hold no cores (assumed).',
    status: 409,
    code: 'OperationNotAllowed',
  },
  'vm.count.perRegion': {
    kind: 'documented',
    url: QUOTA_ERRORS,
    quote: 'az vm list-usage … Virtual Machines 0 25000',
    note: `25,000 VMs per (subscription, region). The error for the 25,001st is not documented: 409 ${ASSUMED_LIMIT_CODE} (assumed).`,
    status: 409,
    code: ASSUMED_LIMIT_CODE,
  },
  'compute.throttle.putVm': {
    kind: 'documented',
    url: COMPUTE_THROTTLING,
    quote:
      'All Compute throttling policies are implemented on a per-region basis. … To determine the limits for each resource and subscription, Microsoft Compute uses Token Bucket Algorithm.',
    note: `The policy table's Put VM row (subscription level: refill 500 per minute, bucket 1,500) was read through a summary of that table (rate-limits.apis.io), the page's own text only shows the Update VM cap of 1,500 per minute. The 429 carries x-ms-ratelimit-remaining-resource: Microsoft.Compute/PutVM3Min;{n} (header format: ${COMPUTE_THROTTLING_ERRORS}, 'Microsoft.Compute/HighCostGet3Min;159') and Retry-After; its body code OperationNotAllowed with details TooManyRequests is how Azure answers, not quoted from a page found. The per-VM bucket (12, refill 4/min) is not modelled.`,
    status: 429,
    code: 'OperationNotAllowed',
  },
  'vm.allocation.failed': {
    kind: 'documented',
    url: ALLOCATION_ERRORS,
    quote:
      'Code: ZonalAllocationFailed … Code: AllocationFailed … ZonalAllocationFailed, AllocationFailed or OverconstrainedAllocationRequest',
    note: 'Read through mirrors of the page (pt-br/it-it). Injected with injectCapacity: the PUT is accepted, its LRO ends Failed with the code after allocationFailureSeconds, and the VM stays with provisioningState Failed holding its disk and NICs (what Azure does with the resource after the failure was not found: assumed, the harder case for a caller, which must delete or re-PUT it). A later PUT of the VM with another size provisions again.',
  },
  'vm.capacityReservation': {
    kind: 'documented',
    url: CAPACITY_RESERVATION,
    quote:
      'Once reserved, deployments against that reservation won’t hit transient capacity shortages (within the reserved quantity and constraints).',
    note: 'A VM naming a seeded reservation group with a free slot of its size (and zone) skips injected capacity faults. A group the double was not given is refused 400 InvalidParameter; a group without a slot for the VM allocates as usual (both assumed).',
  },
  'vm.provisioning.model': {
    kind: 'assumed',
    why: 'Azure documents no provisioning time. A VM from an attached disk stays Creating 90 simulated seconds (vmProvisionSeconds), then Succeeded; its VM agent reports Ready 30 s later (agentReadySeconds) in the instance view: the product must wait for the agent, not the PUT.',
  },
  'vm.provisioning.stuck': {
    kind: 'assumed',
    why: 'stuckVm: a VM that never leaves Creating (its LRO stays InProgress) until the rule is removed and the VM PUT again or deleted; seen in Azure when the guest never reports.',
  },
  'vm.delete.cascade': {
    kind: 'documented',
    url: OS_DISK_DELETE_OPTION,
    quote:
      'Specifies whether OS Disk should be deleted or detached upon VM deletion. Possible values are: Delete. If this value is used, the OS disk is deleted when VM is deleted. Detach. If this value is used, the os disk is retained after VM is deleted. The default value is set to Detach.',
    note: "NICs' deleteOption works the same way (NetworkInterfaceReference.deleteOption). The VM, its Delete disk and NICs go at the DELETE; the LRO lasts lroMs (assumed); detached ones lose managedBy/virtualMachine.",
  },
  'vm.instanceView': {
    kind: 'assumed',
    why: "GET with $expand=instanceView (one VM or the resource group's list) adds properties.instanceView with statuses ProvisioningState/… and PowerState/…, and vmAgent.statuses displayStatus 'Ready' once the agent reports (shape after the spec example VirtualMachine_Get_WithInstanceView.json, not re-read here).",
  },
  'sku.list': {
    kind: 'documented',
    url: SKU_RESTRICTION,
    quote:
      'The reason for the restriction. As of now this can be "QuotaId" or "NotAvailableForSubscription". … type: The type of restrictions. … values: The value of restrictions. If the restriction type is set to location. This would be different locations where the SKU is restricted.',
    note: "GET /subscriptions/{s}/providers/Microsoft.Compute/skus ($filter=location eq '…') lists virtualMachines entries with capabilities name/value pairs (vCPUs, MemoryGB, HyperVGenerations 'V1,V2', PremiumIO, DiskControllerTypes 'SCSI, NVMe', TrustedLaunchDisabled, ConfidentialComputingType: names as Azure sends them, not re-checked against an example) and Location/Zone restrictions with restrictionInfo.",
  },
  // Azure Virtual Desktop, managed Run Command, role assignments (avdRules.ts).
  ...AVD_RULES,
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
  // compute.throttle.putVm
  putVmBucket: 1_500,
  putVmRefillPerMinute: 500,
  // vm.count.perRegion
  vmsPerSubscriptionRegion: 25_000,
};

/** vm.provisioning.model and vm.allocation.failed (assumed). */
export const DEFAULT_VM_PROVISION_SECONDS = 90;
export const DEFAULT_AGENT_READY_SECONDS = 30;
export const DEFAULT_ALLOCATION_FAILURE_SECONDS = 30;

/** copy.throughput and copy.minimumDuration (assumed). */
export const DEFAULT_COPY_GIB_PER_HOUR = 100;
export const DEFAULT_COPY_MINIMUM_MS = 30_000;
export const DEFAULT_TIME_SCALE = 60;
