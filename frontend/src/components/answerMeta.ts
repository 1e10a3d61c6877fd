/** Reading Querent's answer out of the frames: `meta.custom` and `meta.executedQueryString`. */
import { DataFrame } from '@grafana/data';

import { AnswerMeta } from '../types';

/** The first frame's `meta.custom` that looks like an answer (every frame of a question carries the same). */
export function answerMetaOf(frames: DataFrame[]): AnswerMeta | undefined {
  for (const frame of frames) {
    const custom: unknown = frame.meta?.custom;
    if (isAnswerMeta(custom)) {
      return custom;
    }
  }
  return undefined;
}

export function executedQueryOf(frames: DataFrame[]): string | undefined {
  return frames.find((f) => f.meta?.executedQueryString)?.meta?.executedQueryString;
}

function isAnswerMeta(v: unknown): v is AnswerMeta {
  if (!v || typeof v !== 'object') {
    return false;
  }
  const m = v as Partial<AnswerMeta>;
  return typeof m.question === 'string' && !!m.plan && typeof m.plan === 'object' && typeof m.plan.kind === 'string';
}
