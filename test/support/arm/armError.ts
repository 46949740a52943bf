/** An ARM error answer, `{ error: { code, message } }` (rule arm.error.shape), raised by handlers and written by the server. */
import { RULES, type Rule, type RuleId } from './rules';

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly ruleId?: RuleId,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The refusal a rule prescribes (its status and code), with a message naming the case. */
export function refuse(ruleId: RuleId, message: string): ArmError {
  const rule: Rule = RULES[ruleId];
  if (rule.status === undefined || rule.code === undefined) {
    throw new TypeError(`Rule ${ruleId} prescribes no refusal`);
  }
  return new ArmError(rule.status, rule.code, message, ruleId);
}
