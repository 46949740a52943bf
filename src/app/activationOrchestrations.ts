/** The names and input of the activation's drivers, shared by the use cases that start them and the workflow module. */
export const ActivationOrchestrations = {
  activate: 'activationDriver',
  deactivate: 'deactivationDriver',
} as const;

export interface ActivationDriverInput {
  tenantId: string;
  activationId: string;
  /** The owner epoch this driver acts for: every step checks it against the record. */
  epoch: number;
  pollIntervalInMs: number;
}
