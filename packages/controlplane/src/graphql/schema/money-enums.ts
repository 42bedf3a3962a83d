import { BudgetMode, BudgetPeriod, BudgetScope, RateLimitScope } from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';

export const RateLimitScopeEnum = builder.enumType(RateLimitScope, { name: 'RateLimitScope', description: 'What a rate limit applies to: one key, every key of a team, or every key of a project.' });
export const BudgetScopeEnum = builder.enumType(BudgetScope, {
  name: 'BudgetScope',
  description: 'What a budget applies to: the whole organization, a team, a project, one environment of a project, or one key.',
});
export const BudgetPeriodEnum = builder.enumType(BudgetPeriod, {
  name: 'BudgetPeriod',
  description: "Calendar windows in the organization's time zone: DAY (from local midnight), WEEK (ISO week, from Monday), MONTH; LIFETIME never resets.",
});
export const BudgetModeEnum = builder.enumType(BudgetMode, { name: 'BudgetMode', description: 'HARD: requests are refused (429 insufficient_quota) once the budget is spent. ALERT: only alerts.' });
