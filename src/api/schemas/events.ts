// The answer of GET /api/events: a stream of server-sent events, one per audit log entry.
import { Type } from './common';

/** Sent as it is written (the reply is hijacked): documented by its media type, never serialized. */
export const EventStream = Type.Unsafe<string>({
  description: 'server-sent events: `id: <seq>`, `event: <action>`, `data: { seq, at, actor, action, subject, detail }` (one line of JSON)',
  content: {
    'text/event-stream': {
      schema: { type: 'string', description: 'text/event-stream, UTF-8; comment lines (`: heartbeat`) keep the connection open' },
    },
  },
});
