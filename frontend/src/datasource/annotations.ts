/**
 * Annotation frames → Grafana annotation events. The backend answers an annotation query with one frame of
 * fields `time`, `timeEnd`, `text`, `tags` (comma-separated string); see docs/architecture.md.
 */
import { AnnotationEvent, DataFrame, Field } from '@grafana/data';

export function framesToAnnotations(frames: DataFrame[]): AnnotationEvent[] {
  const events: AnnotationEvent[] = [];
  for (const frame of frames) {
    const time = field(frame, 'time');
    if (!time) {
      continue;
    }
    const timeEnd = field(frame, 'timeEnd');
    const text = field(frame, 'text');
    const tags = field(frame, 'tags');
    for (let i = 0; i < frame.length; i++) {
      const start = toMillis(time.values[i]);
      if (start === undefined) {
        continue;
      }
      const end = timeEnd ? toMillis(timeEnd.values[i]) : undefined;
      events.push({
        time: start,
        timeEnd: end ?? start,
        isRegion: end !== undefined && end > start,
        text: text ? String(text.values[i] ?? '') : '',
        tags: splitTags(tags?.values[i]),
      });
    }
  }
  return events;
}

function field(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name === name);
}

function toMillis(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === 'string' && v) {
    const n = Date.parse(v);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

function splitTags(v: unknown): string[] {
  if (Array.isArray(v)) {
    return v.map(String).filter((t) => t !== '');
  }
  if (typeof v !== 'string') {
    return [];
  }
  return v
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
