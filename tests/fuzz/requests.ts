// Generators of malformed and hostile requests for every route, guided by the route's own
// OpenAPI description (params, query, body schema), so routes added later are fuzzed too.
//
// Reads (GET) and a few stateless POSTs may get anything, valid or not. Every other request
// carries at least one defect that must stop it before it changes anything (`defect` says
// which): no or a wrong key, a role the route does not allow, an id that is no real id, a body
// that breaks the schema, broken JSON, a forbidden prototype key, an unsupported content type,
// or a body over the size limit.
import fc from 'fast-check';
import type { RouteEntry } from '../../src/api/app';
import type { Role } from '../../src/api/api-keys';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
};

export interface FuzzRoute {
  method: string;
  url: string; // the Fastify pattern, /api/payments/:id
  access: RouteEntry['access'];
  params: string[];
  query: Record<string, JsonSchema>;
  body: JsonSchema | undefined;
  /** Answers a stream that does not end (server-sent events): only refused requests are sent. */
  streaming: boolean;
  /** Reads and stateless POSTs: anything may be sent, valid or not. */
  anything: boolean;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** Why it must be refused; undefined for reads and stateless routes. */
  defect?: string;
}

/** What the fixture knows: real ids to aim at, keys, and the secrets that must never come back. */
export interface FuzzWorld {
  keys: Record<Role, string>;
  /** A session cookie (`name=value`) per role, from POST /api/session. */
  sessions: Record<Role, string>;
  ids: string[];
  itemIds: string[];
  lineIds: string[];
  employerIds: string[];
  passwords: string[];
  accountNumbers: string[];
}

const ALLOWED: Record<Exclude<RouteEntry['access'], 'public'>, readonly Role[]> = {
  read: ['operator', 'auditor', 'staff'],
  write: ['operator'],
  staff: ['staff'],
};
const ROLES: Role[] = ['operator', 'auditor', 'staff'];

/** POSTs that change nothing stored but sessions, whatever they are sent: they are fuzzed like reads. */
const STATELESS = new Set(['POST /api/session', 'DELETE /api/session', 'POST /codec/decode', 'POST /codec/encode']);

/** Builds the route list from the catalog and the app's OpenAPI document. */
export function fuzzRoutes(catalog: RouteEntry[], openapi: any): FuzzRoute[] {
  return catalog.map((r) => {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const op = openapi.paths?.[path]?.[r.method.toLowerCase()] ?? {};
    const parameters: { in: string; name: string; schema: JsonSchema }[] = op.parameters ?? [];
    const success = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2'));
    const streaming = success.some(([, v]: [string, any]) => Object.keys(v?.content ?? {}).includes('text/event-stream'));
    return {
      method: r.method,
      url: r.url,
      access: r.access,
      params: [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!),
      query: Object.fromEntries(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.schema ?? {}])),
      body: op.requestBody?.content?.['application/json']?.schema,
      streaming,
      anything: r.method === 'GET' || STATELESS.has(`${r.method} ${r.url}`),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Hostile values

const NASTY: string[] = [
  '',
  ' ',
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  '%2e%2e%2f',
  '..',
  '.',
  "' OR '1'='1",
  "1'; DROP TABLE employers; --",
  '1 UNION SELECT password FROM pg_shadow',
  '"; select pg_sleep(10); --',
  '$1',
  '\\',
  '%',
  '%zz',
  '%00',
  '\u0000',
  '\u001f',
  '\u2028\u2029',
  '\uFEFF',
  '\uD800',
  '😀🚀',
  '社保费申报缴费',
  'ＡＢＣ１２３',
  'İı',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${jndi:ldap://127.0.0.1/a}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '-0',
  '9007199254740993',
  '99999999999999999999999999',
  '0x1F',
  '[]',
  '{}',
  '2026-13',
  '2026-02-30',
  '0000-00-00',
  '9999-12-31T23:59:59Z',
  'a'.repeat(101),
  '9'.repeat(5000),
];

/** Some long ones: over every field's maxLength, some over the body limit. */
const HUGE = ['x'.repeat(70_000), '界'.repeat(100_000), 'A'.repeat(300 * 1024)];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY), fc.string({ maxLength: 10 })).map(([a, b]) => a + b) },
);

/** Any JSON value, with prototype-pollution keys among the object keys. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0),
    hostileString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('constructor', 'toString', 'valueOf', 'prototype')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

// ---------------------------------------------------------------------------------------------
// Values a schema accepts (or nearly), so the other parts of a request get past validation

function typesOf(s: JsonSchema): string[] {
  return s.type === undefined ? [] : [s.type].flat();
}

function stringFor(name: string, s: JsonSchema, w: FuzzWorld): fc.Arbitrary<string> {
  if (s.format === 'date') return fc.constantFrom('2026-10-01', '2026-11-27', '1999-01-01', '2026-02-29');
  if (s.pattern?.includes('[0-9]{4}') && s.pattern.includes('-')) return fc.constantFrom('2026-10', '2026-11', '2025-01', '2026-12');
  if (/password/i.test(name)) return fc.oneof(fc.constantFrom(...w.passwords), fc.constantFrom('Wrong2026pw', 'short', '123456'));
  if (/accountNumber/i.test(name)) return fc.constantFrom(...w.accountNumbers);
  if (/^key$/.test(name)) return fc.oneof(fc.constantFrom(...Object.values(w.keys)), fc.constantFrom('not-a-key-0123456789'));
  if (/itemId/i.test(name)) return fc.constantFrom(...w.itemIds);
  if (/lineId/i.test(name)) return fc.constantFrom(...w.lineIds);
  if (/employerId/i.test(name)) return fc.constantFrom(...w.employerIds);
  return fc.oneof(fc.constantFrom(...w.ids), fc.constantFrom('ABC123', 'regular', '中国银行', '测试单位'));
}

export function validish(name: string, s: JsonSchema, w: FuzzWorld): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.oneOf ?? s.anyOf) return fc.oneof(...(s.oneOf ?? s.anyOf)!.map((x) => validish(name, x, w)));
  const types = typesOf(s);
  if (types.includes('object') || s.properties) {
    const props = Object.entries(s.properties ?? {});
    const required = new Set(s.required ?? []);
    return fc
      .tuple(...props.map(([k, v]) => fc.tuple(fc.constant(k), validish(k, v, w), required.has(k) ? fc.constant(true) : fc.boolean())))
      .map((entries) => Object.fromEntries(entries.filter(([, , keep]) => keep).map(([k, v]) => [k, v])));
  }
  if (types.includes('array')) {
    const items = s.items ?? {};
    return fc.uniqueArray(validish(name, items, w), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
  }
  if (types.includes('boolean')) return fc.boolean();
  if (types.includes('integer') || types.includes('number')) {
    return fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 100, 100) });
  }
  if (types.includes('string')) return stringFor(name, s, w);
  return fc.oneof(fc.constant(null), fc.constant('x'), fc.integer());
}

/** A value of a type the field does not have, and that type coercion cannot turn into one. */
function wrongTypeFor(s: JsonSchema): fc.Arbitrary<unknown> {
  const types = typesOf(s);
  if (types.includes('object') || s.properties || s.oneOf || s.anyOf) return fc.oneof(fc.integer(), hostileString.filter((x) => x.length < 1000), fc.constant(true));
  // Objects are never coerced to scalars or arrays (ajv coerceTypes: 'array').
  return fc.oneof(
    fc.constant({}),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { minKeys: 1, maxKeys: 2 }),
    fc.constant({ toString: 'x' }),
  );
}

function encodeSegment(value: string): fc.Arbitrary<string> {
  const raw = /^[\x21-\x7e]*$/.test(value) && !value.includes('?') && !value.includes('#');
  return raw ? fc.constantFrom(enc(value), value) : fc.constant(enc(value));
}

function pathWith(route: FuzzRoute, values: Record<string, string>): string {
  return route.url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => values[name]!);
}

/** A path: each param a real id or a hostile one (`hostileOnly`: never a real id). */
function pathArb(route: FuzzRoute, w: FuzzWorld, hostileOnly: boolean): fc.Arbitrary<string> {
  if (route.params.length === 0) return fc.constant(route.url);
  const real = new Set(w.ids);
  const value = hostileOnly
    ? hostileString.filter((s) => s.length > 0 && !real.has(s)).chain(encodeSegment).filter((s) => !real.has(decodeSafe(s)))
    : fc.oneof(fc.constantFrom(...w.ids), hostileString.filter((s) => s.length > 0).chain(encodeSegment));
  return fc.tuple(...route.params.map(() => value)).map((vs) => pathWith(route, Object.fromEntries(route.params.map((p, i) => [p, vs[i]!]))));
}

/** encodeURIComponent, with lone surrogates (which it refuses) as U+FFFD. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Values JavaScript parses and PostgreSQL refuses (issue 26): page cursors, times, positions

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Times of every shape: years past 9999 or before 1, days and hours that do not exist, extended years. */
const oddTime: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('99999-01-01', '99999-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00Z', '0000-01-01', '2026-02-30', '2026-02-30T00:00:00Z', '2026-04-31', '2026-01-01T24:00:00Z', '2026-01-01T23:59:60Z', '2026-13-01', '9999-12-31T23:59:59.9999999Z', '1e21', '2026-01-01 00:00:00'),
  fc
    .record({ y: fc.integer({ min: 0, max: 300_000 }), m: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }), h: fc.integer({ min: 0, max: 25 }), time: fc.boolean() })
    .map(({ y, m, d, h, time }) => `${y > 9999 ? y : pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}${time ? `T${pad(h, 2)}:00:00Z` : ''}`),
);

/** Page cursors (base64url of [time, id]) that decode in JavaScript but hold what PostgreSQL refuses. */
const oddCursor: fc.Arbitrary<string> = fc
  .tuple(fc.oneof(oddTime, fc.constant('2026-01-01T00:00:00.000000Z')), fc.oneof(fc.constantFrom('x', '\u0000', 'a\u0000b', '\uD800', 'a'.repeat(5000)), fc.string({ unit: 'binary', maxLength: 20 })))
  .map((key) => Buffer.from(JSON.stringify(key)).toString('base64url'));

/** Positions (bigint in PostgreSQL) past what a JavaScript number holds exactly, or past bigint. */
const oddPosition = fc.constantFrom('99999999999999999999999', '9007199254740993', '9223372036854775807', '9223372036854775808', '1e21', '-9223372036854775809');

/** An edge value for a parameter that is a cursor, a time or a position; undefined for the others. */
function oddValueFor(name: string, s: JsonSchema): fc.Arbitrary<string> | undefined {
  const types = typesOf(s);
  if (types.includes('integer') || types.includes('number')) return oddPosition;
  if (name === 'cursor') return oddCursor;
  if (/^(from|to)$|From$|To$|At$/.test(name)) return oddTime;
  return undefined;
}

/** A query string of known parameters (valid or hostile values) and unknown or polluting ones. */
function queryArb(route: FuzzRoute, w: FuzzWorld): fc.Arbitrary<string> {
  const known = Object.entries(route.query);
  const odd = known.flatMap(([k, s]) => {
    const value = oddValueFor(k, s);
    return value ? [fc.tuple(fc.constant(k), value)] : [];
  });
  const pair: fc.Arbitrary<[string, string]> = fc.oneof(
    ...(known.length > 0
      ? [
          { weight: 3, arbitrary: fc.constantFrom(...known).chain(([k, s]) => fc.tuple(fc.constant(k), validish(k, s, w).map(String))) },
          { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...known.map(([k]) => k)), hostileString.filter((x) => x.length < 5000)) },
        ]
      : []),
    ...(odd.length > 0 ? [{ weight: 2, arbitrary: fc.oneof(...odd) }] : []),
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('__proto__[polluted]', 'constructor[prototype][x]', '__proto__', 'a[b][c]', 'limit[]', ''), fc.constantFrom('1', 'yes', '')) },
    { weight: 1, arbitrary: fc.tuple(hostileString.filter((x) => x.length < 200), hostileString.filter((x) => x.length < 200)) },
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((ps) => `?${ps.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`) },
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&', '?=', '?a', '?%', '?a=%zz', '?a=%ED%A0%80', '?period=%C0%AF', '?a=%FF%FE', '?limit=1&limit=2', '?status=accepted&status=rejected') },
  );
}

type Auth = { headers: Record<string, string>; role: Role | null; label: string };

function authArb(w: FuzzWorld): fc.Arbitrary<Auth> {
  const anyKey = fc.constantFrom(...Object.values(w.keys));
  // Most keys are good ones, so requests get past the key check to what follows.
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<Auth>({ headers: {}, role: null, label: 'no key' }) },
    { weight: 2, arbitrary: fc.oneof(
      anyKey.map((k) => `Bearer ${k}x`),
      anyKey.map((k) => `Bearer ${k.slice(0, -1)}`),
      anyKey.map((k) => `Basic ${Buffer.from(`user:${k}`).toString('base64')}`),
      anyKey.map((k) => k),
      anyKey.map((k) => `Bearer ${k} ${k}`),
      fc.constantFrom('Bearer', 'Bearer ', '', 'null', 'Bearer null', 'Bearer undefined', 'Bearer ../../etc/passwd'),
      fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s)).map((s) => `Bearer ${s}`),
    ).map((authorization): Auth => ({ headers: { authorization }, role: null, label: 'wrong key' })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((s) => /^[\x21-\x7e]*$/.test(s) && !s.includes(';')).map((s): Auth => ({ headers: { cookie: `sifee_session=${s}` }, role: null, label: 'wrong cookie' })) },
    ...ROLES.map((role) => ({
      weight: 2,
      arbitrary: fc.constantFrom<Auth>(
        { headers: { authorization: `Bearer ${w.keys[role]}` }, role, label: role },
        { headers: { authorization: `bearer  ${w.keys[role]}` }, role, label: role },
        { headers: { cookie: `other=1; ${w.sessions[role]}` }, role, label: `${role} (cookie)` },
        // The key itself as a cookie (what sessions were once) is no session.
        { headers: { cookie: `sifee_session=${enc(w.keys[role])}` }, role: null, label: `${role} key as a cookie` },
      ),
    })),
  );
}

function allowed(route: FuzzRoute, auth: Auth): boolean {
  if (route.access === 'public') return true;
  return auth.role !== null && ALLOWED[route.access].includes(auth.role);
}

type Body = { payload?: string; contentType?: string; label: string };

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8'];

/** A JSON body for the schema, valid or not. */
function bodyArb(route: FuzzRoute, w: FuzzWorld): fc.Arbitrary<Body> {
  const json = (value: unknown, label: string) => fc.constantFrom(...JSON_TYPES).map((contentType): Body => ({ payload: JSON.stringify(value), contentType, label }));
  const options: fc.Arbitrary<Body>[] = [
    fc.constant<Body>({ label: 'no body' }),
    hostileJson.chain((v) => json(v, 'any JSON')),
  ];
  if (route.body) options.push(validish('body', route.body, w).chain((v) => json(v, 'valid-ish body')));
  return fc.oneof(...options);
}

/** A body that cannot pass: what is wrong with it is in `label`. */
function badBodyArb(route: FuzzRoute, w: FuzzWorld): fc.Arbitrary<Body> {
  const json = (text: string, label: string) => fc.constantFrom(...JSON_TYPES).map((contentType): Body => ({ payload: text, contentType, label }));
  const always: fc.Arbitrary<Body>[] = [
    // Broken JSON: the parser refuses it whatever the route.
    fc
      .oneof(
        fc.constantFrom('{', '{"a":', '[1,2', '{"a" 1}', "{'a': 1}", 'undefined', 'NaN', '{"a":1,}', '\u0000', '{"a":"\\x"}', '{"a":01}', '"\uD800"x'),
        hostileString.filter((s) => s.length > 0 && s.length < 50_000).map((s) => `{${s}`),
      )
      .chain((t) => json(t, 'broken JSON')),
    // Prototype pollution: Fastify's JSON parser refuses both.
    fc
      .tuple(
        validish('body', route.body ?? { type: 'object' }, w),
        fc.constantFrom('"__proto__":{"polluted":true}', '"constructor":{"prototype":{"polluted":true}}', '"a":{"__proto__":{"isAdmin":true}}'),
        fc.boolean(),
      )
      .chain(([v, bad, inArray]) => {
        const base = v && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : '{}';
        const text = base === '{}' ? `{${bad}}` : `{${bad},${base.slice(1)}`;
        return json(inArray ? `[${text}]` : text, 'prototype pollution');
      }),
    // Content types without a parser.
    fc
      .tuple(fc.constantFrom('application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'image/png', 'application/octet-stream', 'application/problem+json', 'json', 'application/jsonp'), hostileString.filter((s) => s.length > 0 && s.length < 5000))
      .map(([contentType, payload]): Body => ({ contentType, payload, label: `content type ${contentType}` })),
    // Over the 256 KiB body limit.
    fc.constantFrom(...JSON_TYPES).map((contentType): Body => ({ contentType, payload: JSON.stringify({ a: 'x'.repeat(300 * 1024) }), label: 'body too large' })),
  ];
  const s = route.body;
  if (!s) return fc.oneof(...always);
  const schemaDefects: fc.Arbitrary<Body>[] = [];
  const props = s.properties ?? {};
  const valid = validish('body', s, w) as fc.Arbitrary<Record<string, unknown>>;
  if (s.additionalProperties === false) {
    const extraKey = fc.oneof(hostileString.filter((k) => k.length > 0 && k.length < 100 && !(k in props) && k !== '__proto__'), fc.constantFrom('isAdmin', 'role', 'status', 'toString', 'hasOwnProperty'));
    schemaDefects.push(fc.tuple(valid, extraKey, hostileJson).chain(([v, k, x]) => json(JSON.stringify({ ...v, [k]: x }), `unknown key ${JSON.stringify(k).slice(0, 40)}`)));
  }
  if ((s.required ?? []).length > 0) {
    schemaDefects.push(
      fc.tuple(valid, fc.constantFrom(...s.required!)).chain(([v, k]) => {
        const { [k]: _dropped, ...rest } = v;
        return json(JSON.stringify(rest), `missing ${k}`);
      }),
    );
  }
  const typed = Object.entries(props).filter(([, p]) => typesOf(p).length > 0 || p.properties || p.oneOf);
  if (typed.length > 0) {
    schemaDefects.push(
      fc.tuple(valid, fc.constantFrom(...typed)).chain(([v, [k, p]]) => wrongTypeFor(p).chain((x) => json(JSON.stringify({ ...v, [k]: x }), `wrong type for ${k}`))),
    );
  }
  if (typesOf(s).includes('object')) {
    schemaDefects.push(
      fc.oneof(fc.constantFrom('null', '[]', '"a"', '1', 'true', '[[]]'), hostileString.filter((x) => x.length < 1000).map((x) => JSON.stringify(x))).chain((t) => json(t, 'not an object')),
      fc.constantFrom('', '   ').chain((t) => json(t, 'empty JSON body')),
      hostileString.filter((x) => x.length < 1000).map((payload): Body => ({ contentType: 'text/plain', payload, label: 'text/plain for an object' })),
    );
  }
  return fc.oneof(...always, ...schemaDefects);
}

function extraHeadersArb(): fc.Arbitrary<Record<string, string>> {
  const printable = fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.record({ 'idempotency-key': fc.oneof(printable, fc.constantFrom('k', 'x'.repeat(201), 'fuzz-idempotency-key-1', '../../etc')) }) },
    { weight: 1, arbitrary: fc.record({ accept: fc.constantFrom('application/xml', 'text/html', '*/*', 'application/problem+json', '') }) },
    { weight: 1, arbitrary: fc.record({ 'x-request-id': printable }) },
    { weight: 1, arbitrary: fc.record({ 'last-event-id': fc.oneof(printable, fc.constantFrom('-1', '1e999', 'NaN')) }) },
    { weight: 1, arbitrary: fc.record({ origin: fc.constantFrom('http://127.0.0.1:8233', 'http://evil.example', 'null') }) },
  );
}

function assemble(route: FuzzRoute, path: string, query: string, auth: Auth, body: Body, extra: Record<string, string>, defect?: string): FuzzRequest {
  const headers: Record<string, string> = { ...extra, ...auth.headers };
  if (body.contentType !== undefined) headers['content-type'] = body.contentType;
  return { method: route.method, url: path + query, headers, ...(body.payload !== undefined ? { payload: body.payload } : {}), ...(defect ? { defect } : {}) };
}

/** Requests for one route: anything for reads and stateless routes, else each with a defect. */
export function requestArb(route: FuzzRoute, w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const auth = authArb(w);
  const refusedAuth = auth.filter((a) => !allowed(route, a));
  if (route.streaming) {
    // A stream that is let in never ends: only requests the key check refuses.
    if (route.access === 'public') throw new Error(`${route.method} ${route.url} streams without a key: fuzz it by hand`);
    return fc.tuple(refusedAuth, queryArb(route, w), extraHeadersArb()).map(([a, q, x]) => assemble(route, route.url.replace(/:([A-Za-z0-9_]+)/g, 'x'), q, a, { label: 'no body' }, x, `auth: ${a.label}`));
  }
  if (route.anything) {
    return fc
      .tuple(pathArb(route, w, false), queryArb(route, w), auth, bodyArb(route, w), extraHeadersArb())
      .map(([p, q, a, b, x]) => assemble(route, p, q, a, b, x));
  }
  const defects: { weight: number; arbitrary: fc.Arbitrary<FuzzRequest> }[] = [];
  const rest = (hostileIds: boolean) => fc.tuple(pathArb(route, w, hostileIds), queryArb(route, w), extraHeadersArb());
  if (route.access !== 'public') {
    defects.push({ weight: 1, arbitrary: fc.tuple(refusedAuth, rest(false), bodyArb(route, w)).map(([a, [p, q, x], b]) => assemble(route, p, q, a, b, x, `auth: ${a.label}`)) });
  }
  if (route.params.length > 0) {
    defects.push({ weight: 1, arbitrary: fc.tuple(auth, rest(true), bodyArb(route, w)).map(([a, [p, q, x], b]) => assemble(route, p, q, a, b, x, 'no such id')) });
  }
  defects.push({ weight: 2, arbitrary: fc.tuple(auth, rest(false), badBodyArb(route, w)).map(([a, [p, q, x], b]) => assemble(route, p, q, a, b, x, `body: ${b.label}`)) });
  return fc.oneof(...defects);
}
