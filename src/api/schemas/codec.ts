// The Temporal codec server protocol's bodies (what the Temporal UI and CLI send and expect):
// `Payloads` in proto3 JSON, `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`.
import { Type } from './common';

const Base64 = Type.String({ maxLength: 8 * 1024 * 1024, description: 'base64' });
const Metadata = Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: Base64, description: 'metadata entries, each value base64' });

/** As sent: either part may be missing, and fields of later protocol versions pass. */
export const PayloadsBody = Type.Object(
  {
    payloads: Type.Array(Type.Object({ metadata: Type.Optional(Metadata), data: Type.Optional(Base64) }, { additionalProperties: true }), { maxItems: 10_000 }),
  },
  { additionalProperties: true },
);

export const PayloadsAnswer = Type.Object(
  {
    payloads: Type.Array(
      Type.Object({
        metadata: Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, description: 'metadata entries, each value base64' }),
        data: Type.String({ description: 'base64' }),
      }),
    ),
  },
  { description: 'The payloads, in the same order' },
);
