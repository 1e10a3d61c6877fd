/** Small text formatting shared by the editor, the Ask page and the panel. */
import { dateTimeFormat } from '@grafana/data';

import { Plan, PlanKind, TimeSource } from '../types';

const KIND_LABELS: Record<PlanKind, string> = {
  logs: 'Logs',
  metrics: 'Log metrics',
  traces: 'Traces',
  trace_metrics: 'Trace metrics',
  correlate: 'Logs → traces',
  trace: 'Trace',
  clarify: 'Needs clarification',
};

export function kindLabel(kind: PlanKind): string {
  return KIND_LABELS[kind] ?? kind;
}

/** "LogQL", "TraceQL" or "Trace ID": the language of a plan's query. */
export function languageLabel(kind: PlanKind): string {
  if (kind === 'traces' || kind === 'trace_metrics') {
    return 'TraceQL';
  }
  if (kind === 'trace') {
    return 'Trace ID';
  }
  return 'LogQL';
}

const TIME_SOURCE_LABELS: Record<TimeSource, string> = {
  question: 'from the question',
  dashboard: 'from the time picker',
  default: 'default: last hour',
};

export function timeSourceLabel(source: TimeSource): string {
  return TIME_SOURCE_LABELS[source] ?? source;
}

/** The plan's time range in UTC, e.g. "2026-11-25 05:38 → 08:38 UTC" or "at 08:38 UTC" for instant queries. */
export function planRangeLabel(plan: Plan, timeZone = 'utc'): string {
  const end = Date.parse(plan.end);
  if (Number.isNaN(end)) {
    return '';
  }
  const fmt = (ms: number, pattern: string) => dateTimeFormat(ms, { format: pattern, timeZone });
  const zone = timeZone === 'utc' ? ' UTC' : '';
  if (!plan.start || plan.instant) {
    return `at ${fmt(end, 'YYYY-MM-DD HH:mm')}${zone}`;
  }
  const start = Date.parse(plan.start);
  if (Number.isNaN(start)) {
    return `until ${fmt(end, 'YYYY-MM-DD HH:mm')}${zone}`;
  }
  const sameDay = fmt(start, 'YYYY-MM-DD') === fmt(end, 'YYYY-MM-DD');
  return `${fmt(start, 'YYYY-MM-DD HH:mm')} → ${fmt(end, sameDay ? 'HH:mm' : 'YYYY-MM-DD HH:mm')}${zone}`;
}
