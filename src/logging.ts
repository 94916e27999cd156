// pino, with secrets redacted wherever they could appear in a log line.
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
  '*.newPassword',
  '*.newPasswordConfirm',
  '*.accountNumber',
  '*.account',
];

export function createLogger(name: string, destination?: DestinationStream): Logger {
  const pretty = !destination && process.stdout.isTTY && !process.env.CI;
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  }, destination);
}
