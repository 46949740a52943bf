/**
 * The rules of the double's Azure Virtual Desktop, managed Run Command and role-assignment part
 * (issue 29), merged into `RULES` (rules.ts). Same form: documented (page + quote) or assumed (why).
 * Codes of AVD refusals are not documented: each is an assumed 400 `BadRequest`, so product code
 * must not branch on them.
 */
import type { Rule } from './rules';

const RETRIEVE_TOKEN =
  'https://learn.microsoft.com/en-us/rest/api/desktopvirtualization/host-pools/retrieve-registration-token';
const TOKEN_API_CHANGE =
  'https://techcommunity.microsoft.com/t5/azure-virtual-desktop/update-to-microsoft-desktop-virtualization-api-v-2023-09-05-by/td-p/4180665';
const GET_REGISTRATION_INFO =
  'https://learn.microsoft.com/en-us/powershell/module/az.desktopvirtualization/get-azwvdregistrationinfo';
const PERSONAL_ASSIGNMENT =
  'https://learn.microsoft.com/en-us/azure/virtual-desktop/configure-host-pool-personal-desktop-assignment-type';
const AVD_SPEC =
  'https://github.com/Azure/azure-rest-api-specs/tree/main/specification/desktopvirtualization/resource-manager/Microsoft.DesktopVirtualization';
const MANAGED_RUN_COMMAND =
  'https://learn.microsoft.com/en-us/azure/virtual-machines/windows/run-command-managed';
const RUN_COMMAND_REST =
  'https://learn.microsoft.com/en-us/rest/api/compute/virtual-machine-run-commands/create-or-update';
const ROLE_ASSIGNMENTS_LIST =
  'https://learn.microsoft.com/en-us/rest/api/authorization/role-assignments/list-for-scope';
const BUILT_IN_ROLES = 'https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles';

const AVD_REFUSAL = { status: 400, code: 'BadRequest' } as const;

export const AVD_RULES = {
  'avd.token.retrieve': {
    kind: 'documented',
    url: RETRIEVE_TOKEN,
    quote:
      'Host Pools - Retrieve Registration Token. Registration token of the host pool. POST …/hostPools/{hostPoolName}/retrieveRegistrationToken … Sample response { "expirationTime": "2008-09-22T14:01:54.9571247Z", "token": "token", "registrationTokenOperation": "Update" }',
    note: 'The double answers the current token even when it has expired (assumed): a caller checks expirationTime.',
  },
  'avd.token.notOnGet': {
    kind: 'documented',
    url: TOKEN_API_CHANGE,
    quote:
      "Older Microsoft Desktop Virtualization API version(s) utilized for your Azure Virtual Desktop host pool resource will no longer support 'get' actions for registration token retrieval … with the newer versions, a new 'post' action can be used to securely retrieve the token",
    note: 'The double leaves the token out of every host pool GET and PATCH answer (for PATCH: assumed), so a caller renews with PATCH and reads with POST.',
  },
  'avd.token.none': {
    kind: 'documented',
    url: GET_REGISTRATION_INFO,
    quote:
      "Returns an empty Registration Info for the chosen Hostpool if the Hostpool doesn't have any Registration Info.",
    note: 'retrieveRegistrationToken then answers { registrationTokenOperation: "None" } without token or expirationTime (assumed shape).',
  },
  'avd.token.expiryRange': {
    kind: 'assumed',
    why: 'A registration token may expire 1 hour to 27 days ahead: the Azure portal\'s registration-key form and deployment code in the field ("Expiration time can be 1 hour to 27 days") say so; no Microsoft Learn reference page with the bound was found. An expirationTime outside it is refused 400 BadRequest (code assumed).',
    ...AVD_REFUSAL,
  },
  'avd.token.replace': {
    kind: 'assumed',
    why: 'hostPools.update with registrationTokenOperation "Update" issues a new token and the previous one stops registering hosts; "Delete" removes it. A pool answers one token (retrieveRegistrationToken), so the double takes the harder reading: callers in two processes renewing at once can spoil each other\'s token.',
  },
  'avd.token.invalid': {
    kind: 'assumed',
    why: 'An agent given an expired, replaced or unknown token does not register; the AVD agent logs INVALID_REGISTRATION_TOKEN (event 3277, "Troubleshoot common Azure Virtual Desktop Agent issues"; quote not retrieved). The run command\'s script fails with that text in its error stream.',
  },
  'avd.sessionHost.name': {
    kind: 'documented',
    url: AVD_SPEC,
    quote:
      'SessionHost_Get.json: "id": "/subscriptions/…/hostPools/hostPool1/sessionHosts/sessionHost1.microsoft.com", "name": "hostPool1/sessionHost1.microsoft.com", … "resourceId": …, "assignedUser": "user1@microsoft.com", "status": "Available"',
    note: 'A session host resource is named "<pool>/<host>" in the JSON and "<host>" in its URL.',
  },
  'avd.sessionHosts.paging': {
    kind: 'assumed',
    why: 'sessionHosts.list pages with nextLink and takes pageSize / isDescending / initialSkip (REST spec). The default page size is not documented: 100, so a 500-host pool is five pages.',
  },
  'avd.sessionHost.deleteMissing': {
    kind: 'assumed',
    why: 'DELETE of a session host that does not exist answers 204 (ARM delete semantics; the spec lists 200 and 204).',
  },
  'avd.sessionHost.deleteWithSessions': {
    kind: 'assumed',
    why: 'Deleting a session host with user sessions needs force=true (the SDK: "Force flag to force delete sessionHost"); without it 400 BadRequest (code assumed).',
    ...AVD_REFUSAL,
  },
  'avd.sessionHost.unavailable': {
    kind: 'assumed',
    why: 'A registered session host whose VM was deleted stops heartbeating and reports status "Unavailable"; its record stays until deleted.',
  },
  'avd.assign.sameUser': {
    kind: 'documented',
    url: PERSONAL_ASSIGNMENT,
    quote:
      "If the user principal name (UPN) you enter for the -AssignedUser parameter is the same as the UPN currently assigned to the personal desktop, the cmdlet won't do anything.",
  },
  'avd.assign.reassignNeedsForce': {
    kind: 'documented',
    url: PERSONAL_ASSIGNMENT,
    quote:
      "You must include the -Force parameter when running the PowerShell cmdlet to reassign a personal desktop. If you don't include the -Force parameter, you'll receive an error message.",
    note: "The REST form is ?force=true (the page's Invoke-AzRestMethod example). Code 400 BadRequest assumed.",
    ...AVD_REFUSAL,
  },
  'avd.assign.unassignNeedsForce': {
    kind: 'documented',
    url: PERSONAL_ASSIGNMENT,
    quote:
      "You must include the -Force parameter when running the PowerShell cmdlet to unassign a personal desktop. If you don't include the -Force parameter, you'll receive an error message.",
    note: 'Unassigning is assignedUser "" (the page\'s REST example). Code 400 BadRequest assumed.',
    ...AVD_REFUSAL,
  },
  'avd.assign.noSessions': {
    kind: 'documented',
    url: PERSONAL_ASSIGNMENT,
    quote:
      "There must be no existing user sessions on the session host when you reassign a personal desktop. If there's an existing user session on the session host while you're reassigning it, you won't be able to reassign the personal desktop successfully.",
    note: 'Code 400 BadRequest assumed.',
    ...AVD_REFUSAL,
  },
  'avd.assign.oneDesktopPerUser': {
    kind: 'documented',
    url: PERSONAL_ASSIGNMENT,
    quote:
      'Personal desktops have one-to-one mapping, which means a single user can only be assigned to a single personal desktop.',
    note: "Assigning a user who already has another session host of the pool is refused 400 BadRequest (code assumed). The page now also describes assigning several personal desktops to a user with a preview PowerShell module; the SDK's api-version 2024-04-03 does not, so the double keeps one.",
    ...AVD_REFUSAL,
  },
  'avd.assign.pooled': {
    kind: 'assumed',
    why: 'assignedUser is a personal-pool notion ("The instructions in this article only apply to personal host pools"); setting it on a pooled pool\'s host is refused 400 BadRequest.',
    ...AVD_REFUSAL,
  },
  'avd.registration.delay': {
    kind: 'assumed',
    why: 'After the registration script ends, the agent restarts and registers with the broker: 60 simulated seconds until the session host is listed (not documented).',
  },
  'avd.registration.name': {
    kind: 'assumed',
    why: "A session host is named by the machine's computer name. A VM attaching a restored OS disk has no osProfile.computerName and runs the primary's Windows, so the double follows OS disk → snapshot → source disk → its seeded VM's computerName (default: that VM's name); failing that, the VM's own name.",
  },
  'runCommand.put': {
    kind: 'documented',
    url: MANAGED_RUN_COMMAND,
    quote:
      'To deploy a new Run Command, execute a PUT on the VM directly and specify a unique name for the Run Command instance.',
    note: 'The double answers 201 with Azure-AsyncOperation; a repeated PUT of the same name replaces it and runs it again (assumed).',
  },
  'runCommand.instanceView': {
    kind: 'documented',
    url: MANAGED_RUN_COMMAND,
    quote:
      'This command will retrieve current execution progress, including latest output, start/end time, exit code, and terminal state of the execution.',
    note: 'GET …/runCommands/{name}?$expand=instanceView; without $expand the double leaves instanceView out (assumed).',
  },
  'runCommand.delete': {
    kind: 'documented',
    url: MANAGED_RUN_COMMAND,
    quote:
      'Remove the RunCommand resource previously deployed on the VM. If the script execution is still in progress, execution will be terminated.',
  },
  'runCommand.asyncExecution': {
    kind: 'documented',
    url: RUN_COMMAND_REST,
    quote:
      'asyncExecution: Optional. If set to true, provisioning will complete as soon as the script starts and will not wait for script to complete.',
  },
  'runCommand.treatFailure': {
    kind: 'documented',
    url: RUN_COMMAND_REST,
    quote:
      'treatFailureAsDeploymentFailure: Optional. If set to true, any failure in the script will fail the deployment and ProvisioningState will be marked as Failed. If set to false, ProvisioningState would only reflect whether the run command was run or not by the extensions platform',
    note: 'The failed LRO carries code VMExtensionProvisioningError (assumed).',
  },
  'runCommand.protectedParameters': {
    kind: 'documented',
    url: MANAGED_RUN_COMMAND,
    quote: 'Passing secrets (parameters, passwords) in a secure manner',
    note: 'The double never echoes protectedParameters in a GET (assumed, as for secrets elsewhere in ARM).',
  },
  'runCommand.duration': {
    kind: 'assumed',
    why: 'The action Run Command page says "The minimum time to run a script is about 20 seconds"; the managed one states no time: a registration script runs 20 simulated seconds.',
  },
  'runCommand.timeout': {
    kind: 'assumed',
    why: 'timeoutInSeconds is "The timeout in seconds to execute the run command" (REST); a script that would run longer ends with executionState "TimedOut" (a value of the ExecutionState enum) at the timeout.',
  },
  'runCommand.waitsForAgent': {
    kind: 'assumed',
    why: 'Run Command uses the VM agent: the script starts once the VM is provisioned and its agent reports Ready; until then executionState is "Pending" and the PUT\'s LRO runs on. A VM that does not exist: 404 on the PUT.',
  },
  'authz.listForScope.filter': {
    kind: 'documented',
    url: ROLE_ASSIGNMENTS_LIST,
    quote:
      'Use $filter=atScope() to return all role assignments at or above the scope. Use $filter=principalId eq {id} to return all role assignments at, above or below the scope for the specified principal.',
    note: "Without $filter: every assignment at, above or below the scope (assumed). principalId eq '{id}' with or without quotes.",
  },
  'authz.listForScope.unsupportedFilter': {
    kind: 'assumed',
    why: 'A $filter the double does not implement (assignedTo(), …) is refused 400 BadRequest rather than answered wrongly.',
    ...AVD_REFUSAL,
  },
  'authz.role.desktopVirtualizationUser': {
    kind: 'documented',
    url: BUILT_IN_ROLES,
    quote:
      'Desktop Virtualization User | Allows user to use the applications in an application group. | 1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63',
  },
} as const satisfies Record<string, Rule>;
