import { createError, ERROR_CODES } from '../errors.js';

/** Bounds on a per-report ε. Below 0.1 a report carries almost nothing; above 10 it protects almost nothing. */
export const EPSILON_LIMITS = { min: 0.1, max: 10 } as const;

/** Checks a per-report privacy parameter ε and returns it. */
export function checkEpsilon(epsilon: unknown, field = 'epsilon'): number {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < EPSILON_LIMITS.min || epsilon > EPSILON_LIMITS.max) {
    throw createError(ERROR_CODES.INVALID_OPTION, { field, requirement: `must be a number from ${EPSILON_LIMITS.min} to ${EPSILON_LIMITS.max}`, got: epsilon });
  }
  return epsilon;
}
