import { toDataFrame } from '@grafana/data';

import { AnswerMeta } from '../types';
import {
  alertSeverity,
  answerNotices,
  causeLabel,
  confidenceColor,
  dependencyLabel,
  durationRangeLabel,
} from './diagnosis';

const META: AnswerMeta = {
  question: 'why is payment-service failing?',
  plan: { kind: 'correlate', query: '{service_name="payment-service", level="error"}', end: '2026-11-25T08:38:56Z' },
  understood: [],
  timeSource: 'default',
};

describe('diagnosis words', () => {
  it('names causes in plain words', () => {
    expect(causeLabel('connection_pool_exhausted')).toBe('connection pool exhausted');
    expect(causeLabel('auth_failure')).toBe('authentication failure');
    expect(causeLabel('timeout')).toBe('timeout');
    expect(causeLabel('brand_new_cause')).toBe('brand new cause');
  });

  it('colours confidence by level', () => {
    expect(confidenceColor('high')).toBe('green');
    expect(confidenceColor('medium')).toBe('orange');
    expect(confidenceColor('low')).toBe('darkgrey');
    expect(confidenceColor('certain')).toBe('darkgrey');
  });

  it('formats duration ranges', () => {
    expect(durationRangeLabel(5001.686402, 5011.934957)).toBe('5.00–5.01 s');
    expect(durationRangeLabel(40, 40.2)).toBe('40 ms');
    expect(durationRangeLabel(12, 950)).toBe('12–950 ms');
    expect(durationRangeLabel(800, 1200)).toBe('0.80–1.20 s');
    expect(durationRangeLabel(undefined, 30)).toBe('30 ms');
    expect(durationRangeLabel()).toBeUndefined();
  });

  it('describes dependencies as the backend does', () => {
    expect(dependencyLabel({ name: 'postgres-order', kind: 'database', system: 'postgresql' })).toBe(
      'the postgresql database postgres-order'
    );
    expect(dependencyLabel({ name: 'acmepay', kind: 'external', address: 'api.acmepay.example' })).toBe(
      'the external service acmepay (api.acmepay.example)'
    );
    expect(dependencyLabel({ name: 'orders', kind: 'queue' })).toBe('the queue orders');
    expect(dependencyLabel({ name: 'user-service', kind: 'service', address: 'user-service' })).toBe('user-service');
  });
});

describe('answerNotices', () => {
  it('takes meta.custom notices (sentences or objects) and frame notices, each text once', () => {
    const notTraced =
      '12 of 40 traces could not be fetched from Tempo (timeout); the log-based hypotheses still answer.';
    const frame = toDataFrame({
      fields: [],
      meta: {
        notices: [
          { severity: 'warning', text: notTraced },
          { severity: 'info', text: 'The log answer reached its limit of 1000 lines.' },
        ],
      },
    });
    const meta: AnswerMeta = { ...META, notices: [notTraced, { severity: 'error', text: 'Tempo refused 3 ids.' }] };
    expect(answerNotices([frame, frame], meta)).toEqual([
      { severity: 'warning', text: notTraced },
      { severity: 'error', text: 'Tempo refused 3 ids.' },
      { severity: 'info', text: 'The log answer reached its limit of 1000 lines.' },
    ]);
  });

  it('ignores what is not a notice', () => {
    const meta = {
      ...META,
      notices: ['', 42, null, { text: '  ' }, { severity: 7, text: 'kept' }],
    } as unknown as AnswerMeta;
    expect(answerNotices([], meta)).toEqual([{ severity: 'warning', text: 'kept' }]);
    expect(answerNotices([], { ...META, notices: 'oops' } as unknown as AnswerMeta)).toEqual([]);
    expect(answerNotices([])).toEqual([]);
  });

  it('maps severities to Grafana alerts', () => {
    expect(alertSeverity('error')).toBe('error');
    expect(alertSeverity('info')).toBe('info');
    expect(alertSeverity('warning')).toBe('warning');
    expect(alertSeverity('whatever')).toBe('warning');
  });
});
