// pino, with secrets redacted wherever they could appear in a log line.
//
// LOG_FORMAT chooses how lines are written: `json` (the default: `npm run api`/`worker`, the
// cluster, containers, anything a machine reads) or `pretty` (one readable line each, for a
// person at a terminal: `npm start` sets it when its output is a terminal).
import pino, { type DestinationStream, type Level, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
  '*.newPassword',
  '*.newPasswordConfirm',
  '*.accountNumber',
  '*.account',
];

export type LogFormat = 'json' | 'pretty';

export function logFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json';
}

/**
 * The level of the one line written per HTTP request: `info` in JSON (a machine keeps them all);
 * `debug` for a person, whose terminal would otherwise fill with the console's own polling.
 * LOG_REQUESTS overrides it.
 */
export function requestLogLevel(env: NodeJS.ProcessEnv = process.env): Level {
  const given = env.LOG_REQUESTS as Level | undefined;
  if (given && ['trace', 'debug', 'info', 'warn'].includes(given)) return given;
  return logFormat(env) === 'pretty' ? 'debug' : 'info';
}

export function createLogger(name: string, destination?: DestinationStream): Logger {
  const pretty = !destination && logFormat() === 'pretty';
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            // colorize: the output reaches a terminal through npm start's pipe, which hides the TTY.
            options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true, colorize: process.env.LOG_COLOR !== '0' },
          },
        }
      : {}),
  }, destination);
}
