import { kindLabel, languageLabel, planRangeLabel, timeSourceLabel } from './format';

describe('format', () => {
  it('prints a plan range in UTC, shortening the same day', () => {
    expect(planRangeLabel({ kind: 'logs', start: '2026-11-25T05:38:56Z', end: '2026-11-25T08:38:56Z' })).toBe(
      '2026-11-25 05:38 → 08:38 UTC'
    );
    expect(planRangeLabel({ kind: 'logs', start: '2026-11-24T00:00:00Z', end: '2026-11-25T00:00:00Z' })).toBe(
      '2026-11-24 00:00 → 2026-11-25 00:00 UTC'
    );
  });

  it('prints instant queries at their end', () => {
    expect(planRangeLabel({ kind: 'metrics', instant: true, end: '2026-11-25T08:38:56Z' })).toBe(
      'at 2026-11-25 08:38 UTC'
    );
  });

  it('survives bad times', () => {
    expect(planRangeLabel({ kind: 'logs', end: 'soon' })).toBe('');
  });

  it('names kinds, languages and time sources', () => {
    expect(kindLabel('correlate')).toBe('Logs → traces');
    expect(languageLabel('trace_metrics')).toBe('TraceQL');
    expect(languageLabel('metrics')).toBe('LogQL');
    expect(timeSourceLabel('dashboard')).toBe('from the time picker');
  });
});
