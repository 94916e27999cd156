// The declaration password (申报密码) rules of F-1.

/** F-1.2: the last 6 characters of the unit number (单位编号), padded with 0 at the end when shorter. */
export function initialPassword(unitNumber: string): string {
  return unitNumber.length >= 6 ? unitNumber.slice(-6) : unitNumber.padEnd(6, '0');
}

/** The bureau's exact wording for a wrong password (F-4.3). */
export const WRONG_PASSWORD_CODE = '20101';
export const WRONG_PASSWORD_MESSAGE = '申报密码验证失败：[20101]您输入的申报密码有误，请重新输入。';
