/**
 * The PowerShell a recovered desktop runs (managed Run Command `dr-register`) to leave the primary
 * host pool and join the DR one. The restored OS disk carries the primary pool's Azure Virtual
 * Desktop agent state (`HKLM\SOFTWARE\Microsoft\RDInfraAgent`: registered, with the primary
 * pool's broker); the documented way to point an installed agent at a pool with a new token is to
 * write the token, set `IsRegistered` to 0 and restart the boot loader
 * (learn.microsoft.com/azure/virtual-desktop/troubleshoot-agent, "Error: INVALID_REGISTRATION_TOKEN").
 *
 * The token arrives as a protected parameter, never in the script text: managed Run Command
 * passes `protectedParameters` to the script as named parameters and does not return them on a GET
 * (learn.microsoft.com/azure/virtual-machines/windows/run-command-managed, "Passing secrets").
 *
 * What the guest must have: the AVD agent and boot loader installed (every session host has them),
 * outbound HTTPS to the AVD endpoints of the DR region, and the VM guest agent (Run Command runs
 * through it). The identity that PUTs the run command needs
 * `Microsoft.Compute/virtualMachines/runCommands/write` (and `/read`, `/delete`).
 */
export const registerSessionHostScript = String.raw`param([string]$RegistrationToken)
$ErrorActionPreference = 'Stop'
if ([string]::IsNullOrWhiteSpace($RegistrationToken)) { throw 'RegistrationToken is empty' }
$key = 'HKLM:\SOFTWARE\Microsoft\RDInfraAgent'
if (-not (Test-Path $key)) { throw 'The Azure Virtual Desktop agent is not installed (no RDInfraAgent key)' }
# The primary pool's registration goes: the agent registers again, with the DR pool's token.
Set-ItemProperty -Path $key -Name RegistrationToken -Value $RegistrationToken
Set-ItemProperty -Path $key -Name IsRegistered -Value 0 -Type DWord
Restart-Service -Name RDAgentBootLoader -Force
# The agent clears the token and sets IsRegistered to 1 once the broker accepted it.
$deadline = (Get-Date).AddMinutes(8)
while ((Get-Date) -lt $deadline) {
  Start-Sleep -Seconds 10
  $state = Get-ItemProperty -Path $key
  if ($state.IsRegistered -eq 1) { Write-Output 'registered'; exit 0 }
}
throw 'The agent did not register within 8 minutes (see the RDAgentBootLoader and WVD-Agent events)'
`;

/** The parameter name the script declares (and the ARM double's registration contract expects). */
export const registrationTokenParameter = 'RegistrationToken';

/** How long the run command may take: the script's own wait plus its start. */
export const registrationTimeoutInSeconds = 600;
