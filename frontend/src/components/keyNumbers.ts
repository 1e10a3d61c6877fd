/**
 * The few numbers that summarise an answer (answer panel, Ask page): the backend's `meta.custom.stats` when it
 * sends them, otherwise counted from the frames: log lines, error lines, linked traces, traces, spans, series.
 */
import { DataFrame, FieldType } from '@grafana/data';

import { AnswerMeta, KeyNumber } from '../types';
import { panelKindOf } from './visualisation';

const ERROR_LEVELS = new Set(['error', 'err', 'critical', 'crit', 'fatal', 'panic', 'emerg', 'alert']);

export function keyNumbers(frames: DataFrame[], meta?: AnswerMeta): KeyNumber[] {
  if (meta?.stats?.length) {
    return meta.stats;
  }
  let lines = 0;
  let errors = 0;
  let traces = 0;
  let spans = 0;
  let series = 0;
  let peak: number | undefined;
  const traceIds = new Set<string>();

  for (const frame of frames) {
    switch (panelKindOf(frame)) {
      case 'logs': {
        lines += frame.length;
        const level = frame.fields.find((f) => f.name === 'level' || f.name === 'detected_level');
        level?.values.forEach((v) => ERROR_LEVELS.has(String(v).toLowerCase()) && errors++);
        frame.fields
          .find((f) => f.name === 'traceID')
          ?.values.forEach((v) => typeof v === 'string' && v && traceIds.add(v));
        break;
      }
      case 'traces':
        spans += frame.length;
        break;
      case 'table':
        if (frame.fields.some((f) => f.name === 'traceID')) {
          traces += frame.length;
        }
        break;
      case 'timeseries':
        for (const f of frame.fields) {
          if (f.type !== FieldType.number) {
            continue;
          }
          series++;
          for (const v of f.values) {
            if (typeof v === 'number' && Number.isFinite(v)) {
              peak = peak === undefined ? v : Math.max(peak, v);
            }
          }
        }
        break;
    }
  }

  const out: KeyNumber[] = [];
  if (lines) {
    out.push({ label: 'log lines', value: lines });
    out.push({ label: 'error lines', value: errors });
  }
  if (traceIds.size) {
    out.push({ label: 'linked traces', value: traceIds.size });
  }
  if (traces) {
    out.push({ label: 'traces', value: traces });
  }
  if (spans) {
    out.push({ label: 'spans', value: spans });
  }
  if (series) {
    out.push({ label: 'series', value: series });
    if (peak !== undefined) {
      out.push({ label: 'peak value', value: peak });
    }
  }
  return out;
}
