/** Whether a database error is a unique violation of `constraint` (drizzle may wrap it in `cause`). */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  // postgres.js and PGlite both expose the SQLSTATE as `code`.
  for (let e = err as { code?: string; constraint_name?: string; constraint?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return `${e.constraint_name ?? ''} ${e.constraint ?? ''} ${e.message ?? ''}`.includes(constraint);
  }
  return false;
}

/** Whether a database error is a NOT NULL violation of `column`. */
export function isNotNullViolation(err: unknown, column: string): boolean {
  for (let e = err as { code?: string; column_name?: string; column?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23502') return (e.column_name ?? e.column) === column;
  }
  return false;
}

/**
 * A database error that the same statement will meet again however often it is retried: SQLSTATE
 * class 22 (data exception) or 23 (integrity constraint violation). Null for anything that may
 * heal (connections, timeouts, serialization failures, a server starting up).
 */
export function permanentDataError(err: unknown): { type: string; message: string } | null {
  for (let e = err as { code?: string; constraint_name?: string; constraint?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code !== 'string' || !/^2[23][0-9A-Z]{3}$/.test(e.code)) continue;
    const constraint = e.constraint_name ?? e.constraint;
    return {
      type: e.code.startsWith('23') ? 'DATA_CONFLICT' : 'DATA_INVALID',
      message: `the database refused the write (SQLSTATE ${e.code}${constraint ? `, ${constraint}` : ''}): ${e.message ?? 'no message'}`,
    };
  }
  return null;
}
