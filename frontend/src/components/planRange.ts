import { dateTime, makeTimeRange, TimeRange } from '@grafana/data';

import { Plan } from '../types';

/**
 * The time range an answer covers: the plan's own range (the question may name a time the picker does not
 * show), or the given fallback for instant queries and plans without times.
 */
export function planTimeRange(plan: Plan | undefined, fallback: TimeRange): TimeRange {
  if (!plan?.start || plan.instant) {
    return fallback;
  }
  const from = Date.parse(plan.start);
  const to = Date.parse(plan.end);
  if (Number.isNaN(from) || Number.isNaN(to) || from >= to) {
    return fallback;
  }
  return makeTimeRange(dateTime(from), dateTime(to));
}
