// The AES-256-GCM payload codec: round trip, no plaintext on the wire, tampering, key rotation,
// key spec errors that never show key material.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  AesGcmCodec,
  CodecKeyError,
  dataConverterFor,
  ENCRYPTED_ENCODING,
  generateCodecKey,
  parseCodecKeys,
  PayloadDecryptionError,
} from '../../src/codec/aes-gcm-codec';

const SECRET = 'SECRET-PASSWORD-123456';
const ACCOUNT = '6222020200112233445';
const KEY_A = generateCodecKey('key-a');
const KEY_B = generateCodecKey('key-b');

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const contains = (haystack: Uint8Array | null | undefined, needle: string) => Buffer.from(haystack ?? new Uint8Array()).includes(Buffer.from(needle));
const material = (spec: string) => spec.slice(spec.indexOf(':') + 1);

function sample(): Payload[] {
  return [
    defaultPayloadConverter.toPayload({ employer: 'E-1', bureauPassword: SECRET, bankAccount: ACCOUNT }),
    defaultPayloadConverter.toPayload('plain string'),
    defaultPayloadConverter.toPayload(null),
    defaultPayloadConverter.toPayload(new Uint8Array([0, 1, 2, 255])),
    { metadata: { encoding: Buffer.from('json/plain'), custom: Buffer.from(ACCOUNT) }, data: new Uint8Array() },
  ];
}

describe('parseCodecKeys', () => {
  it('parses kid:base64key pairs, first one first, standard or URL-safe base64, with spaces', () => {
    const raw = Buffer.alloc(32, 0xfb);
    const keys = parseCodecKeys(` k1:${raw.toString('base64')} , k2:${raw.toString('base64url')},`);
    expect(keys.map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(keys[0]!.key.equals(raw)).toBe(true);
    expect(keys[1]!.key.equals(raw)).toBe(true);
  });

  it('generateCodecKey makes a spec parseCodecKeys accepts, fresh each time', () => {
    const [key] = parseCodecKeys(KEY_A);
    expect(key!.id).toBe('key-a');
    expect(key!.key).toHaveLength(32);
    expect(generateCodecKey('key-a')).not.toBe(KEY_A);
    expect(() => generateCodecKey('no spaces allowed')).toThrow(CodecKeyError);
  });

  const short = Buffer.alloc(16, 7).toString('base64');
  const long = Buffer.alloc(48, 7).toString('base64');
  const cases: [string, string, RegExp, string[]][] = [
    ['empty', '  , ', /no codec keys/, []],
    ['no colon', material(KEY_A), /codec key #1 must be kid:base64key/, [material(KEY_A)]],
    ['empty key id', `:${material(KEY_A)}`, /#1 has an invalid key id/, [material(KEY_A)]],
    ['key id that may be a key', `${material(KEY_A)}:${material(KEY_B)}`, /#1 has an invalid key id/, [material(KEY_A), material(KEY_B)]],
    ['missing key', `${KEY_A},k2:`, /#2 \(key id "k2"\) has no key/, [material(KEY_A)]],
    ['16-byte key', `k1:${short}`, /#1 \(key id "k1"\) is 16 bytes; AES-256 needs exactly 32/, [short]],
    ['48-byte key', `${KEY_A},k2:${long}`, /#2 \(key id "k2"\) is 48 bytes/, [long, material(KEY_A)]],
    ['not base64', `k1:${material(KEY_A).slice(0, 20)}!$${material(KEY_A).slice(22)}`, /#1 \(key id "k1"\) is not valid base64/, [material(KEY_A).slice(0, 20)]],
    ['duplicate id', `${KEY_A},${KEY_A}`, /key id "key-a" appears twice/, [material(KEY_A)]],
  ];
  it.each(cases)('rejects %s clearly, without echoing key material', (_name, spec, message, secrets) => {
    let error: unknown;
    try {
      parseCodecKeys(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CodecKeyError);
    const msg = (error as Error).message;
    expect(msg).toMatch(message);
    for (const s of secrets) expect(msg).not.toContain(s);
    expect(String((error as Error).stack)).not.toContain(material(KEY_A));
  });
});

describe('AesGcmCodec', () => {
  it('round-trips payloads of every kind, metadata included', async () => {
    const codec = AesGcmCodec.fromSpec(KEY_A);
    const payloads = sample();
    const encoded = await codec.encode(payloads);
    expect(encoded).toHaveLength(payloads.length);
    const decoded = await codec.decode(encoded);
    expect(decoded).toHaveLength(payloads.length);
    decoded.forEach((p, i) => {
      expect(Object.keys(p.metadata ?? {}).sort()).toEqual(Object.keys(payloads[i]!.metadata ?? {}).sort());
      for (const [k, v] of Object.entries(payloads[i]!.metadata ?? {})) expect(Buffer.from(p.metadata![k]!).equals(Buffer.from(v))).toBe(true);
      expect(Buffer.from(p.data ?? []).equals(Buffer.from(payloads[i]!.data ?? []))).toBe(true);
    });
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual({ employer: 'E-1', bureauPassword: SECRET, bankAccount: ACCOUNT });
    expect(defaultPayloadConverter.fromPayload(decoded[3]!)).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(await codec.encode([])).toEqual([]);
  });

  it('writes binary/encrypted with the key id, iv ‖ ciphertext ‖ tag, a fresh IV each time, and no plaintext', async () => {
    const codec = AesGcmCodec.fromSpec(KEY_A);
    const payload = sample()[0]!;
    const [one, two] = await codec.encode([payload, payload]);
    for (const p of [one!, two!]) {
      expect(Object.keys(p.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
      expect(p.metadata!.encoding).toBeInstanceOf(Uint8Array);
      expect(text(p.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(p.metadata!['encryption-key-id'])).toBe('key-a');
      // 12-byte IV + ciphertext as long as the proto-encoded payload + 16-byte tag.
      expect(p.data!.length).toBeGreaterThan(12 + 16 + payload.data!.length);
      for (const needle of [SECRET, ACCOUNT, 'bureauPassword', 'json/plain', SECRET.slice(0, 8)]) expect(contains(p.data, needle)).toBe(false);
    }
    expect(Buffer.from(one!.data!.subarray(0, 12)).equals(Buffer.from(two!.data!.subarray(0, 12)))).toBe(false);
    expect(Buffer.from(one!.data!).equals(Buffer.from(two!.data!))).toBe(false);
    // Metadata is encrypted too.
    const [custom] = await codec.encode([sample()[4]!]);
    expect(contains(custom!.data, ACCOUNT)).toBe(false);
  });

  it('passes payloads that are not encrypted through decode unchanged', async () => {
    const codec = AesGcmCodec.fromSpec(KEY_A);
    const plain = sample();
    const decoded = await codec.decode(plain);
    decoded.forEach((p, i) => expect(p).toBe(plain[i]));
    const noMetadata: Payload = { data: Buffer.from('raw') };
    expect((await codec.decode([noMetadata]))[0]).toBe(noMetadata);
  });

  it('fails to decode when the ciphertext, the tag or the IV was altered, or the data truncated', async () => {
    const codec = AesGcmCodec.fromSpec(KEY_A);
    const [encrypted] = await codec.encode([sample()[0]!]);
    const flip = (index: number): Payload => {
      const data = Buffer.from(encrypted!.data!);
      data[index] = data[index]! ^ 0x01;
      return { metadata: encrypted!.metadata, data };
    };
    const len = encrypted!.data!.length;
    for (const at of [0, 11, 12, 20, len - 17, len - 16, len - 1]) {
      await expect(codec.decode([flip(at)])).rejects.toThrow(PayloadDecryptionError);
    }
    await expect(codec.decode([flip(20)])).rejects.toThrow(/key id "key-a" failed authentication: it was altered/);
    await expect(codec.decode([{ metadata: encrypted!.metadata, data: encrypted!.data!.subarray(0, 27) }])).rejects.toThrow(/too short \(27 bytes\)/);
    await expect(codec.decode([{ metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) }, data: encrypted!.data }])).rejects.toThrow(/no "encryption-key-id" metadata/);
    // The untouched payload still decodes.
    expect(defaultPayloadConverter.fromPayload((await codec.decode([encrypted!]))[0]!)).toMatchObject({ bureauPassword: SECRET });
  });

  it('rotates keys: B,A decodes old A payloads and encrypts new ones with B; B alone fails clearly on A payloads', async () => {
    const codecA = AesGcmCodec.fromSpec(KEY_A);
    const oldPayloads = await codecA.encode(sample());

    const rotated = AesGcmCodec.fromSpec(`${KEY_B},${KEY_A}`);
    expect(rotated.encryptingKeyId).toBe('key-b');
    expect(rotated.keyIds).toEqual(['key-b', 'key-a']);
    const old = await rotated.decode(oldPayloads);
    expect(defaultPayloadConverter.fromPayload(old[0]!)).toEqual({ employer: 'E-1', bureauPassword: SECRET, bankAccount: ACCOUNT });

    const fresh = await rotated.encode(sample());
    for (const p of fresh) expect(text(p.metadata!['encryption-key-id'])).toBe('key-b');
    // Old and new payloads mixed in one batch.
    const mixed = await rotated.decode([oldPayloads[1]!, fresh[1]!]);
    expect(mixed.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['plain string', 'plain string']);

    const onlyB = AesGcmCodec.fromSpec(KEY_B);
    expect(defaultPayloadConverter.fromPayload((await onlyB.decode(fresh))[0]!)).toMatchObject({ bankAccount: ACCOUNT });
    const failure = (await onlyB.decode(oldPayloads).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(failure).toBeInstanceOf(PayloadDecryptionError);
    expect(failure.message).toBe('payload was encrypted with key id "key-a", which is not configured (known key ids: key-b)');
    expect(failure.message).not.toContain(material(KEY_B));
    await expect(codecA.decode(fresh)).rejects.toThrow(/key id "key-b", which is not configured/);
  });

  it('does not take a payload relabelled with another key id', async () => {
    const sameIdOtherKey = AesGcmCodec.fromSpec(`key-a:${material(KEY_B)}`);
    const [encrypted] = await AesGcmCodec.fromSpec(KEY_A).encode([sample()[0]!]);
    await expect(sameIdOtherKey.decode([encrypted!])).rejects.toThrow(/failed authentication/);
  });

  it('is what dataConverterFor puts in payloadCodecs', async () => {
    const converter = dataConverterFor(`${KEY_B},${KEY_A}`);
    expect(converter.payloadCodecs).toHaveLength(1);
    const [codec] = converter.payloadCodecs;
    expect(codec).toBeInstanceOf(AesGcmCodec);
    expect(codec.encryptingKeyId).toBe('key-b');
    expect(() => dataConverterFor('')).toThrow(CodecKeyError);
  });

  it('refuses bad keys given directly', () => {
    expect(() => new AesGcmCodec([])).toThrow(/no codec keys/);
    expect(() => new AesGcmCodec([{ id: 'k', key: Buffer.alloc(31) }])).toThrow(/31 bytes/);
    expect(() => new AesGcmCodec([{ id: 'bad id', key: Buffer.alloc(32) }])).toThrow(/invalid key id/);
  });
});

describe('sealFor / openFor (bytes sealed for one purpose, e.g. webhook secrets)', () => {
  const codec = AesGcmCodec.fromSpec(KEY_A);
  const plaintext = Buffer.from(SECRET);

  it('opens what it sealed, for the same purpose and context, under rotated keys too', () => {
    const sealed = codec.sealFor('webhook-secret', 'W1', plaintext);
    expect(sealed.keyId).toBe('key-a');
    expect(sealed.data.includes(plaintext)).toBe(false);
    expect(codec.openFor('webhook-secret', 'W1', sealed).toString()).toBe(SECRET);
    expect(AesGcmCodec.fromSpec(`${KEY_B},${KEY_A}`).openFor('webhook-secret', 'W1', sealed).toString()).toBe(SECRET);
  });

  it('cannot be opened as a payload, nor for another purpose or context', async () => {
    const sealed = codec.sealFor('webhook-secret', 'W1', plaintext);
    // What the codec endpoint would be given: the sealed bytes labelled as an encrypted payload.
    const asPayload: Payload = { metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), 'encryption-key-id': Buffer.from(sealed.keyId) }, data: sealed.data };
    await expect(codec.decode([asPayload])).rejects.toThrow(PayloadDecryptionError);
    expect(() => codec.openFor('webhook-secret', 'W2', sealed)).toThrow(/failed authentication/);
    expect(() => codec.openFor('other-purpose', 'W1', sealed)).toThrow(/failed authentication/);
    const altered = { ...sealed, data: Buffer.from(sealed.data) };
    altered.data[20] = altered.data[20]! ^ 1;
    expect(() => codec.openFor('webhook-secret', 'W1', altered)).toThrow(/failed authentication/);
    expect(() => AesGcmCodec.fromSpec(KEY_B).openFor('webhook-secret', 'W1', sealed)).toThrow(/key id "key-a", which is not configured/);
  });
});
