// The building blocks of every route's schema (TypeBox): one definition gives the handler's
// types, request validation, the OpenAPI document (/docs/json) and the answer's serializer,
// which sends only the properties declared here.
import { Type, type Static, type TInteger, type TSchema, type TString } from '@sinclair/typebox';
import { PERIOD_PATTERN } from '../../domain/fee-items';

export { Type, type Static };

const ID_PATTERN = '^[A-Za-z0-9_:.-]+$';

/** A record's id as the API names it: `what` says whose (employer, declaration, payment …). */
export const Id = (what: string) => Type.String({ minLength: 1, maxLength: 100, pattern: ID_PATTERN, description: `${what} id` });

/** `/:id` of a route, naming what the id is of. */
export const IdParams = (what: string) => Type.Object({ id: Id(what) }, { additionalProperties: false });

export const Period = Type.String({ pattern: PERIOD_PATTERN, description: 'fee period 费款所属期, YYYY-MM' });
// Years 1000–9999: JavaScript reads year 0000 (and writes it as -000001…), which PostgreSQL refuses.
export const DateOnly = Type.String({ format: 'date', pattern: '^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 instant' });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A closed set of strings, as an enum in the document. */
export const Enum = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

type MoneyProps<N extends string> = { [K in `${N}Fen`]: TInteger } & { [K in `${N}Yuan`]: TString };

/** An amount as the API gives it: integer fen for programs, a yuan string for people. */
export function Money<N extends string>(name: N): MoneyProps<N> {
  return {
    [`${name}Fen`]: Type.Integer({ description: 'fen (分)' }),
    [`${name}Yuan`]: Type.String({ description: 'yuan, for display', examples: ['84079.24'] }),
  } as MoneyProps<N>;
}

/** An RFC 9457 problem (application/problem+json), registered once as `Problem`. */
export const ProblemBody = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'stable machine-readable code, e.g. PASSWORD_INVALID' }),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'Problem', additionalProperties: true, description: 'application/problem+json' },
);

const ProblemRef = Type.Unsafe<Static<typeof ProblemBody>>(Type.Ref('Problem'));

/** The problem answers a route may give, by status. */
export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ProblemRef])) as Record<number, typeof ProblemRef>;

/** A file answer (PDF, CSV, XLSX): documented by its media types; sent as bytes, not serialized. */
export const FileAnswer = (description: string, ...mediaTypes: string[]) =>
  Type.Unsafe<Buffer | string>({ description, content: Object.fromEntries(mediaTypes.map((m) => [m, { schema: { type: 'string', format: 'binary' } }])) });

/** 204: nothing in the body. */
export const NoContent = (description: string) => Type.Null({ description });

/** `cursor` of a paged list: the previous answer's `nextCursor`, opaque. */
export const PageCursor = Type.String({ minLength: 1, maxLength: 400, description: 'the previous page’s `nextCursor`; absent for the first page' });

/** Where the next page starts; null on the last page. */
export const NextCursor = Nullable(Type.String({ description: 'pass as `cursor` for the next page; null on the last page' }));
