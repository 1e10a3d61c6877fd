import { PlanKind, QuerentQuery, QueryType, TranslateResponse } from '../../types';

const KIND_TO_QUERY_TYPE: Record<PlanKind, QueryType | undefined> = {
  logs: 'logs',
  metrics: 'metrics',
  traces: 'traces',
  trace_metrics: 'trace_metrics',
  correlate: 'correlate',
  trace: 'trace',
  clarify: undefined,
};

export function queryTypeOf(kind: PlanKind): QueryType | undefined {
  return KIND_TO_QUERY_TYPE[kind];
}

/**
 * The query switched to code mode: the generated query becomes the code, with the plan's kind, limit, step
 * and instant flag, so it runs exactly as the preview showed. The question is kept for switching back.
 */
export function toCodeQuery(query: QuerentQuery, preview?: TranslateResponse): QuerentQuery {
  const plan = preview?.plan;
  if (!plan?.query) {
    return { ...query, editorMode: 'code', queryType: query.queryType ?? 'logs', expr: query.expr ?? '' };
  }
  return {
    ...query,
    editorMode: 'code',
    expr: plan.query,
    queryType: queryTypeOf(plan.kind) ?? query.queryType,
    limit: plan.limit,
    step: plan.step,
    instant: plan.instant || undefined,
  };
}
