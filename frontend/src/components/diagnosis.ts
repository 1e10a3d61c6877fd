/**
 * Words for the parts of a diagnosis hypothesis (docs/architecture.md, "Diagnosis"): causes in plain words,
 * the confidence's colour, the failing span, the dependency, and the notices an answer carries.
 */
import { DataFrame } from '@grafana/data';
import { BadgeColor } from '@grafana/ui';

import { AnswerMeta, AnswerNotice, Dependency, FailingSpan, Hypothesis } from '../types';

const CAUSE_WORDS: Record<string, string> = {
  connection_pool_exhausted: 'connection pool exhausted',
  timeout: 'timeout',
  connection_failed: 'connection failed',
  rate_limited: 'rate limited',
  resource_exhausted: 'resource exhausted',
  auth_failure: 'authentication failure',
  not_found: 'not found',
  server_error: 'server error',
  latency: 'slow responses',
  unknown: 'unrecognised error',
};

/** "connection pool exhausted" for `connection_pool_exhausted`; an unknown cause with its underscores as spaces. */
export function causeLabel(cause: string): string {
  return CAUSE_WORDS[cause] ?? cause.replace(/_/g, ' ');
}

const CONFIDENCE_COLORS: Record<string, BadgeColor> = {
  high: 'green',
  medium: 'orange',
  low: 'darkgrey',
};

/** Green for a cause the evidence is sure of, orange for a likely one, grey for a guess. */
export function confidenceColor(confidence: string): BadgeColor {
  return CONFIDENCE_COLORS[confidence] ?? 'darkgrey';
}

/** "12 ms", "5.00 s"; a range "5.00–5.01 s" (one value when both ends read the same). */
export function durationRangeLabel(minMs?: number, maxMs?: number): string | undefined {
  const values = [minMs, maxMs].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) {
    return undefined;
  }
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const inSeconds = hi >= 1000;
  const fmt = (ms: number) => (inSeconds ? (ms / 1000).toFixed(2) : String(Math.round(ms)));
  const unit = inSeconds ? 's' : 'ms';
  const [a, b] = [fmt(lo), fmt(hi)];
  return a === b ? `${a} ${unit}` : `${a}–${b} ${unit}`;
}

/** The failing span's parts: where it is, its message and how long it took. */
export function failingSpanParts(span: FailingSpan): { where: string; name: string; message?: string; took?: string } {
  return {
    where: span.service,
    name: span.name,
    message: span.statusMessage || undefined,
    took: durationRangeLabel(span.durationMsMin, span.durationMsMax),
  };
}

/** "the postgresql database postgres-order", "the external service acmepay (api.acmepay.example)". */
export function dependencyLabel(d: Dependency): string {
  const address = d.address && d.address !== d.name ? ` (${d.address})` : '';
  switch (d.kind) {
    case 'database':
      return d.system ? `the ${d.system} database ${d.name}${address}` : `the database ${d.name}${address}`;
    case 'external':
      return `the external service ${d.name}${address}`;
    case 'queue':
      return `the queue ${d.name}${address}`;
    default:
      return `${d.name}${address}`;
  }
}

/** The evidence sentences of a hypothesis (one string or a list). */
export function evidenceOf(h: Hypothesis): string[] {
  if (Array.isArray(h.evidence)) {
    return h.evidence.map(String);
  }
  return h.evidence ? [String(h.evidence)] : [];
}

/** "45 lines", "1 trace". */
export function countLabel(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/**
 * Every notice of an answer, once: `meta.custom.notices` (sentences or `{severity, text}`) and the frames'
 * own `meta.notices` (the backend puts the same sentences on the first frame as Grafana notices).
 */
export function answerNotices(frames: DataFrame[], meta?: AnswerMeta): AnswerNotice[] {
  const out: AnswerNotice[] = [];
  const seen = new Set<string>();
  const add = (n: unknown) => {
    const notice = toNotice(n);
    if (notice && !seen.has(notice.text)) {
      seen.add(notice.text);
      out.push(notice);
    }
  };
  (Array.isArray(meta?.notices) ? meta.notices : []).forEach(add);
  frames.forEach((f) => (f.meta?.notices ?? []).forEach(add));
  return out;
}

function toNotice(n: unknown): AnswerNotice | undefined {
  if (typeof n === 'string') {
    return n.trim() ? { severity: 'warning', text: n } : undefined;
  }
  if (n && typeof n === 'object' && typeof (n as AnswerNotice).text === 'string' && (n as AnswerNotice).text.trim()) {
    const { severity, text } = n as AnswerNotice;
    return { severity: typeof severity === 'string' ? severity : 'warning', text };
  }
  return undefined;
}

/** Grafana's `Alert` severities for a notice's. */
export function alertSeverity(severity: string): 'error' | 'warning' | 'info' {
  return severity === 'error' ? 'error' : severity === 'info' ? 'info' : 'warning';
}
