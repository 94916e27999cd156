// Payload encryption: every payload leaves this process as AES-256-GCM ciphertext, so the Temporal
// server (and anyone reading its database) sees neither passwords nor account numbers.
//
// Format (the same as the Go and Python encryption samples, so their codecs can read it):
//   metadata: { encoding: "binary/encrypted", encryption-key-id: <kid> }   (both as UTF-8 bytes)
//   data:     iv (12 random bytes) ‖ ciphertext ‖ GCM tag (16 bytes)
// where the plaintext is the whole original Payload, proto-encoded.
//
// Keys rotate: the first key of the spec encrypts; decoding picks the key named by the payload.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { Payload: PayloadProto } = proto.temporal.api.common.v1;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_ENCODING_KEY = 'encoding';
export const METADATA_KEY_ID_KEY = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

export interface CodecKey {
  /** Key id, written into every payload it encrypts. */
  id: string;
  /** 32 bytes of key material. */
  key: Buffer;
}

/** A codec key spec is wrong. The message never contains key material. */
export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

/** A payload cannot be decrypted: unknown key id, tampered or truncated data. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: false });

function describeKeyId(id: string): string {
  return KEY_ID.test(id) ? `"${id}"` : '(an invalid key id)';
}

/**
 * Parses `kid:base64key,kid2:base64key2`. Each key is 32 bytes in base64 (standard or URL-safe).
 * The first key encrypts; all of them decrypt. Errors name the entry and the key id, never the key.
 */
export function parseCodecKeys(spec: string): CodecKey[] {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) {
    throw new CodecKeyError('no codec keys: give at least one kid:base64key (e.g. from generateCodecKey)');
  }
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const where = `codec key #${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new CodecKeyError(`${where} must be kid:base64key (no ":" found)`);
    const id = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      throw new CodecKeyError(`${where} has an invalid key id: use 1 to 32 of the characters A-Z a-z 0-9 . _ -`);
    }
    if (seen.has(id)) throw new CodecKeyError(`${where}: key id "${id}" appears twice`);
    seen.add(id);
    if (!material) throw new CodecKeyError(`${where} (key id "${id}") has no key after the ":"`);
    if (!BASE64.test(material)) throw new CodecKeyError(`${where} (key id "${id}") is not valid base64`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new CodecKeyError(`${where} (key id "${id}") is ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES}`);
    }
    return { id, key };
  });
}

/** A fresh random key as a spec string `kid:base64key`, for development and tests. */
export function generateCodecKey(kid: string): string {
  if (!KEY_ID.test(kid)) throw new CodecKeyError('invalid key id: use 1 to 32 of the characters A-Z a-z 0-9 . _ -');
  return `${kid}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * Bytes sealed for one purpose (a webhook's signing secret …), not a Temporal payload: AES-256-GCM
 * under a key derived by HKDF-SHA256 from the codec key for that purpose, with the purpose and a
 * context (the webhook id …) as associated data. The codec endpoint decrypts with the codec keys
 * themselves and no associated data, so it can never open them; nor can one purpose's or one
 * context's sealed bytes be passed off as another's. `data` is iv ‖ ciphertext ‖ tag.
 */
export interface SealedBytes {
  keyId: string;
  data: Buffer;
}

const PURPOSE = /^[a-z0-9-]{1,64}$/;
const HKDF_SALT = utf8.encode('sifee sealed-for-purpose v1');

/** AES-256-GCM payload codec. See the top of this file for the format. */
export class AesGcmCodec implements PayloadCodec {
  readonly encryptingKeyId: string;
  readonly #encryptKey: Buffer;
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** Keys derived for a purpose, by `purpose\0keyId`. */
  readonly #derived = new Map<string, Buffer>();

  constructor(keys: readonly CodecKey[]) {
    const first = keys[0];
    if (!first) throw new CodecKeyError('no codec keys: give at least one kid:base64key');
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new CodecKeyError('invalid key id: use 1 to 32 of the characters A-Z a-z 0-9 . _ -');
      if (key.length !== KEY_BYTES) throw new CodecKeyError(`key id "${id}" is ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES}`);
      if (map.has(id)) throw new CodecKeyError(`key id "${id}" appears twice`);
      map.set(id, Buffer.from(key));
    }
    this.encryptingKeyId = first.id;
    this.#encryptKey = map.get(first.id) as Buffer;
    this.#keys = map;
  }

  static fromSpec(spec: string): AesGcmCodec {
    return new AesGcmCodec(parseCodecKeys(spec));
  }

  /** The ids of all keys this codec can decrypt with, encrypting key first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.#encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.#decrypt(payload));
  }

  /** Seals bytes for a purpose and context (see {@link SealedBytes}), with the encrypting key. */
  sealFor(purpose: string, context: string, plaintext: Uint8Array): SealedBytes {
    const key = this.#derivedKey(purpose, this.encryptingKeyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(purpose, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId: this.encryptingKeyId, data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]) };
  }

  /** Opens what {@link sealFor} sealed for this purpose and context; throws {@link PayloadDecryptionError} otherwise. */
  openFor(purpose: string, context: string, sealed: SealedBytes): Buffer {
    if (!this.#keys.has(sealed.keyId)) {
      throw new PayloadDecryptionError(`sealed ${purpose} uses key id ${describeKeyId(sealed.keyId)}, which is not configured (known key ids: ${this.keyIds.join(', ')})`);
    }
    const key = this.#derivedKey(purpose, sealed.keyId);
    const buf = sealed.data;
    if (buf.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`sealed ${purpose} is too short (${buf.length} bytes) to hold an IV and a tag`);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, buf.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(purpose, context));
      decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
      return Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`sealed ${purpose} with key id "${sealed.keyId}" failed authentication: it was altered, sealed for something else, or with another key`);
    }
  }

  #derivedKey(purpose: string, keyId: string): Buffer {
    if (!PURPOSE.test(purpose)) throw new CodecKeyError('a sealing purpose is 1 to 64 of a-z 0-9 -');
    const name = `${purpose}\u0000${keyId}`;
    let key = this.#derived.get(name);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.#keys.get(keyId) as Buffer, HKDF_SALT, utf8.encode(`sifee ${purpose}`), KEY_BYTES));
      this.#derived.set(name, key);
    }
    return key;
  }

  #encrypt(payload: Payload): Payload {
    const plaintext = PayloadProto.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#encryptKey, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
        [METADATA_KEY_ID_KEY]: utf8.encode(this.encryptingKeyId),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  #decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;

    const rawKeyId = payload.metadata?.[METADATA_KEY_ID_KEY];
    if (!rawKeyId || rawKeyId.length === 0) {
      throw new PayloadDecryptionError(`encrypted payload has no "${METADATA_KEY_ID_KEY}" metadata`);
    }
    const keyId = fromUtf8.decode(rawKeyId);
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload was encrypted with key id ${describeKeyId(keyId)}, which is not configured (known key ids: ${this.keyIds.join(', ')})`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload is too short (${data.length} bytes) to hold an IV and a tag`);
    }
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const iv = buf.subarray(0, IV_BYTES);
    const tag = buf.subarray(buf.length - TAG_BYTES);
    const ciphertext = buf.subarray(IV_BYTES, buf.length - TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `payload encrypted with key id "${keyId}" failed authentication: it was altered, or the key with this id is not the one that encrypted it`,
      );
    }
    try {
      return PayloadProto.decode(plaintext);
    } catch {
      throw new PayloadDecryptionError(`payload encrypted with key id "${keyId}" decrypted, but is not a Payload`);
    }
  }
}

function associatedData(purpose: string, context: string): Uint8Array {
  return utf8.encode(`sifee ${purpose}\u0000${context}`);
}

/** A codec from a key spec (`kid:base64key,...`); the first key encrypts. */
export function createAesGcmCodec(keysSpec: string): AesGcmCodec {
  return AesGcmCodec.fromSpec(keysSpec);
}

/**
 * `dataConverter` for `new Client({ dataConverter })`, `Worker.create({ dataConverter })` and
 * `Worker.runReplayHistories({ dataConverter }, ...)`. Client and worker must use the same keys.
 */
export function dataConverterFor(keysSpec: string): DataConverter & { payloadCodecs: [AesGcmCodec] } {
  return { payloadCodecs: [createAesGcmCodec(keysSpec)] };
}
