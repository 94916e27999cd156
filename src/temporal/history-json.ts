// Workflow histories as JSON files in the format the Temporal CLI (`temporal workflow show
// --output json`) and UI write and read: proto3 JSON of temporal.api.history.v1.History.
//
// Why not `historyToJSON` / `historyFromJSON` of @temporalio/common/lib/proto-utils (which
// Worker.runReplayHistory also calls for JSON input): with this dependency tree npm installs
// protobufjs 8 three times (nested under @temporalio/common, /proto and /worker, because
// grpc's proto-loader holds protobufjs 7 at the top), and common's ProtoJSON then refuses the
// types of proto's root ("type must be a Type"). Here ProtoJSON is taken from the very copy of
// protobufjs that @temporalio/proto's root was built with, whatever the install layout; the
// enum fixes for older files are the SDK's. Replays get the parsed History, never raw JSON.
import { createRequire } from 'node:module';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const requireHere = createRequire(import.meta.url);
const protojson = createRequire(requireHere.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** The history as pretty-printed proto3 JSON (event types as `EVENT_TYPE_…`, int64 as strings, bytes as base64). */
export function historyToJSON(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

// Older exports (tctl, early CLI and UI) spell enums in PascalCase without their prefix.
function pascalCaseToConstantCase(s: string): string {
  return s.replace(/[^\b][A-Z]/g, (m) => `${m[0]}_${m[1]}`).toUpperCase();
}
type Json = Record<string, unknown>;
function fixEnumValue(obj: Json, attr: string, prefix: string): Json | undefined {
  const v = obj[attr];
  return typeof v === 'string' && v ? { [attr]: v.startsWith(prefix) ? v : `${prefix}_${pascalCaseToConstantCase(v)}` } : undefined;
}
function fixHistoryEvent(e: Json): Json {
  const type = Object.keys(e).find((k) => k.endsWith('EventAttributes'));
  if (!type) throw new TypeError(`Missing attributes in history event: ${JSON.stringify(e).slice(0, 200)}`);
  const attrs = e[type] as Json;
  const taskQueue = attrs.taskQueue as Json | undefined;
  const childFailure = attrs.childWorkflowExecutionFailureInfo as Json | undefined;
  return {
    ...e,
    ...fixEnumValue(e, 'eventType', 'EVENT_TYPE'),
    [type]: {
      ...attrs,
      ...(taskQueue && { taskQueue: { ...taskQueue, ...fixEnumValue(taskQueue, 'kind', 'TASK_QUEUE_KIND') } }),
      ...fixEnumValue(attrs, 'parentClosePolicy', 'PARENT_CLOSE_POLICY'),
      ...fixEnumValue(attrs, 'workflowIdReusePolicy', 'WORKFLOW_ID_REUSE_POLICY'),
      ...fixEnumValue(attrs, 'initiator', 'CONTINUE_AS_NEW_INITIATOR'),
      ...fixEnumValue(attrs, 'retryState', 'RETRY_STATE'),
      ...(childFailure && { childWorkflowExecutionFailureInfo: { ...childFailure, ...fixEnumValue(childFailure, 'retryState', 'RETRY_STATE') } }),
    },
  };
}

/** A parsed JSON history (from the CLI, the UI or GET /api/workflows/:id/history) as a History. */
export function historyFromJSON(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('Invalid history: expected an object with an array of events');
  }
  const fixed = { events: ((json as { events: Json[] }).events).map(fixHistoryEvent) };
  const loaded = protojson.fromJson(historyType, fixed, { ignoreUnknownFields: true });
  if (loaded === null || loaded === undefined) throw new TypeError('Invalid history');
  return loaded as History;
}
