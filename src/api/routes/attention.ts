// GET /api/attention: the attention list (待办), what an operator must act on across all
// employers, most urgent first, read from the records' current state (src/db/attention.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { countAttention, readAttention } from '../../db/attention';
import { ATTENTION_KINDS, attentionCounts, attentionItem, rankAttention, type AttentionItem } from '../../domain/attention';
import { errors } from '../schemas/common';
import { ATTENTION_LIMIT, AttentionList, AttentionQuery } from '../schemas/attention';

function itemView(i: AttentionItem) {
  return {
    kind: i.kind,
    employerId: i.employerId,
    subject: i.subject,
    since: i.since.toISOString(),
    ...(i.deadline ? { deadline: i.deadline.toISOString() } : {}),
    ...(i.nextRetryAt ? { nextRetryAt: i.nextRetryAt.toISOString() } : {}),
    detail: i.detail,
    action: i.action,
  };
}

const attentionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/attention',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The attention list (待办): what an operator must act on, across all employers, most urgent first',
        description:
          'Each item is on the list while its record is in the state that needs an operator, and leaves it by itself once that is resolved (docs/operator-guide.md, “The month”). ' +
          'Unpaid lines and vouchers show ATTENTION_DEADLINE_DAYS before their deadline.',
        tags: ['attention'],
        querystring: AttentionQuery,
        response: { 200: AttentionList, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { employerId, kind } = request.query;
      const limit = request.query.limit ?? ATTENTION_LIMIT;
      const filter = { employerId, ...app.config.attention };
      const listed = kind ? [kind] : ATTENTION_KINDS;
      // The listed kinds' most urgent items with their totals; the other kinds only counted.
      const [read, counted] = await Promise.all([
        readAttention(app.db, listed, filter, limit),
        countAttention(app.db, ATTENTION_KINDS.filter((k) => !listed.includes(k)), filter),
      ]);
      for (const [k, { total }] of read) counted.set(k, total);
      const items = [...read].flatMap(([k, { rows }]) => rows.map((r) => attentionItem(k, r)));
      return { items: rankAttention(items).slice(0, limit).map(itemView), counts: attentionCounts(counted) };
    },
  );
};

export default attentionRoutes;
