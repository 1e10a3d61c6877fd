/** Follow-up questions offered under an answer, from what the question was about. */
import { AnswerMeta } from '../types';

export function followUpQuestions(meta: AnswerMeta | undefined): string[] {
  if (!meta) {
    return [];
  }
  const service = meta.understood.find((u) => u.what === 'service')?.meaning;
  const subject = service ?? 'all services';
  const out: string[] = [];
  switch (meta.plan.kind) {
    case 'logs':
      out.push(`how many errors per 5 minutes in ${subject}?`, `show related traces for ${subject}`);
      break;
    case 'metrics':
      out.push(`show the error logs of ${subject}`, `${subject} traces slower than 1s`);
      break;
    case 'traces':
      out.push(`p95 latency of ${subject}`, `show error logs from ${subject}`);
      break;
    case 'trace_metrics':
      out.push(`${subject} traces slower than 1s`, `show error logs from ${subject}`);
      break;
    case 'correlate':
      out.push(`why is ${subject} failing?`, `error rate of ${subject} per 5 minutes`);
      break;
    default:
      break;
  }
  if (service && meta.plan.kind !== 'correlate') {
    out.push(`why is ${service} failing?`);
  }
  return Array.from(new Set(out)).slice(0, 3);
}
