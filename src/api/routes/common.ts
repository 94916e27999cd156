// Schemas shared by the routes.
import { PERIOD_PATTERN } from '../../domain/fee-items';
import { chinaDay } from '../../domain/reconciliation';

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_:.-]+$' } },
  required: ['id'],
  additionalProperties: false,
} as const;

export const periodSchema = { type: 'string', pattern: PERIOD_PATTERN, description: 'fee period 费款所属期, YYYY-MM' } as const;
export const dateSchema = { type: 'string', format: 'date', description: 'YYYY-MM-DD' } as const;

export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { $ref: 'Problem#', description: 'application/problem+json' }]));

/** Today in China (the bureau's calendar), YYYY-MM-DD. */
export function chinaToday(now = new Date()): string {
  return chinaDay(now);
}
