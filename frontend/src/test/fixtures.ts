/**
 * The recorded backend answers in ../../tests/fixtures (shared with the browser test), turned into what the
 * code under test sees: `translate` responses, and frames decoded by Grafana's own `toDataQueryResponse`.
 */
import { DataFrame } from '@grafana/data';
import { FetchResponse, toDataQueryResponse } from '@grafana/runtime';

import examples from '../../tests/fixtures/examples.json';
import queries from '../../tests/fixtures/queries.json';
import clarifyAnswer from '../../tests/fixtures/query-clarify.json';
import correlateAnswer from '../../tests/fixtures/query-correlate.json';
import logsAnswer from '../../tests/fixtures/query-logs.json';
import metricsAnswer from '../../tests/fixtures/query-metrics.json';
import tracesAnswer from '../../tests/fixtures/query-traces.json';
import recordedDiagnosis from '../../tests/fixtures/recorded-diagnosis.json';
import translations from '../../tests/fixtures/translate.json';
import { Hypothesis, TranslateResponse } from '../types';

export { examples };

export const QUESTIONS = {
  logs: 'show error logs from order-service in the last 3 hours',
  metrics: 'number of payment-service errors per 5 minutes over the last 3 hours',
  traces: 'traces from product-service slower than 1 second in the last hour',
  clarify: 'show logs from the inventory service',
  diagnosis: 'why did order-service fail in the last 3 hours?',
};

const ANSWERS: Record<string, unknown> = {
  'query-logs.json': logsAnswer,
  'query-metrics.json': metricsAnswer,
  'query-traces.json': tracesAnswer,
  'query-clarify.json': clarifyAnswer,
  'query-correlate.json': correlateAnswer,
};

export function translateFixture(question: string): TranslateResponse {
  const hit = translations.find((t) => t.question === question);
  if (!hit) {
    throw new Error(`no translate fixture for "${question}"`);
  }
  return hit.response as TranslateResponse;
}

/** The raw /api/ds/query body recorded for a question. */
export function queryAnswerFixture(question: string): unknown {
  const hit = queries.find((q) => q.question === question);
  if (!hit) {
    throw new Error(`no query fixture for "${question}"`);
  }
  return ANSWERS[hit.file];
}

/** The frames Grafana would hand a panel for a question. */
export function framesFixture(question: string): DataFrame[] {
  return toDataQueryResponse({ data: queryAnswerFixture(question) } as FetchResponse).data as DataFrame[];
}

/** The hypotheses the real backend found for QUESTIONS.diagnosis (tests/fixtures/record_diagnosis.py). */
export function recordedHypotheses(): Hypothesis[] {
  return JSON.parse(JSON.stringify(recordedDiagnosis.hypotheses)) as Hypothesis[];
}
