// CSV exports that open safely in a spreadsheet.

/**
 * One CSV cell. Text a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets
 * a leading apostrophe (OWASP's CSV injection advice); plain numbers such as -12.50 stay numbers.
 */
export function csvCell(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) || s.startsWith("'") ? `"${s.replace(/"/g, '""')}"` : s;
}
