/** Whether a database error is a unique violation of `constraint` (drizzle may wrap it in `cause`). */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  // postgres.js and PGlite both expose the SQLSTATE as `code`.
  for (let e = err as { code?: string; constraint_name?: string; constraint?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return `${e.constraint_name ?? ''} ${e.constraint ?? ''} ${e.message ?? ''}`.includes(constraint);
  }
  return false;
}
