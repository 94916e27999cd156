// The worker's Core runtime: process-wide, installed before any NativeConnection or Worker. It
// serves the Temporal SDK's own metrics (workflow and activity task latencies, pollers, sticky
// cache, slots…) in Prometheus format at http://<address>/metrics when an address is given, and
// writes the SDK's log lines through our pino logger, so they are one line each in the process's
// format (JSON or pretty) instead of the SDK's own multi-line console output.
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { Logger } from 'pino';

/** Runtime options that serve the SDK's metrics at `address` (host:port); none when unset. */
export function workerRuntimeOptions(address: string | undefined): RuntimeOptions | undefined {
  if (!address) return undefined;
  return { telemetryOptions: { metrics: { prometheus: { bindAddress: address } } } };
}

/** The SDK's Logger over pino. */
export function sdkLogger(log: Logger): SdkLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => log[level.toLowerCase() as 'info'](meta ?? {}, message);
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

/** Installs the Runtime with our logger and, given an address, the metrics exporter; returns whether metrics are served. */
export function installWorkerRuntime(address: string | undefined, log: Logger): boolean {
  const options = workerRuntimeOptions(address);
  Runtime.install({ ...options, logger: sdkLogger(log) });
  return options !== undefined;
}
