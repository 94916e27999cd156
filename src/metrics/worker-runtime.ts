// The Temporal SDK's own metrics (workflow and activity task latencies, pollers, sticky cache,
// slots…), served by the worker's Core runtime in Prometheus format at http://<address>/metrics.
// The Runtime is process-wide and must be installed before any NativeConnection or Worker.
import { Runtime, type RuntimeOptions } from '@temporalio/worker';

/** Runtime options that serve the SDK's metrics at `address` (host:port); none when unset. */
export function workerRuntimeOptions(address: string | undefined): RuntimeOptions | undefined {
  if (!address) return undefined;
  return { telemetryOptions: { metrics: { prometheus: { bindAddress: address } } } };
}

/** Installs the Runtime with the metrics exporter; returns whether it did (nothing to do without an address). */
export function installWorkerRuntime(address: string | undefined): boolean {
  const options = workerRuntimeOptions(address);
  if (!options) return false;
  Runtime.install(options);
  return true;
}
