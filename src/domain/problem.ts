// A refusal with a stable code (RFC 9457 problem details): what a use case answers when a request
// cannot be done, and the API sends as application/problem+json (src/api/problem.ts).

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string, id: string) => new Problem(404, 'NOT_FOUND', `${what} not found`, `no ${what} with id ${id}`);
