import { getDefaultTimeRange } from '@grafana/data';

import { planTimeRange } from './planRange';

describe('planTimeRange', () => {
  const fallback = getDefaultTimeRange();

  it('uses the range the plan ran over', () => {
    const r = planTimeRange({ kind: 'logs', start: '2026-11-25T05:38:56Z', end: '2026-11-25T08:38:56Z' }, fallback);
    expect(r.from.toISOString()).toBe('2026-11-25T05:38:56.000Z');
    expect(r.to.toISOString()).toBe('2026-11-25T08:38:56.000Z');
  });

  it('falls back for instant queries, missing or broken times', () => {
    expect(planTimeRange({ kind: 'metrics', instant: true, end: '2026-11-25T08:38:56Z' }, fallback)).toBe(fallback);
    expect(planTimeRange({ kind: 'clarify', end: '2026-11-25T08:38:56Z' }, fallback)).toBe(fallback);
    expect(planTimeRange({ kind: 'logs', start: 'x', end: 'y' }, fallback)).toBe(fallback);
    expect(planTimeRange(undefined, fallback)).toBe(fallback);
  });
});
