import { framesFixture, QUESTIONS } from '../test/fixtures';
import { answerMetaOf, executedQueryOf } from './answerMeta';
import { followUpQuestions } from './followUps';
import { keyNumbers } from './keyNumbers';
import { groupByVisualisation } from './visualisation';

describe('answers read from recorded frames', () => {
  it('logs: meta.custom, executed query, logs panel and counted numbers', () => {
    const frames = framesFixture(QUESTIONS.logs);
    const meta = answerMetaOf(frames);
    expect(meta?.question).toBe(QUESTIONS.logs);
    expect(meta?.plan.kind).toBe('logs');
    expect(meta?.summary).toMatch(/^68 error lines from order-service/);
    expect(executedQueryOf(frames)).toBe('{service_name="order-service", level="error"}');
    expect(groupByVisualisation(frames).map((g) => [g.pluginId, g.frames.length])).toEqual([['logs', 2]]);
    expect(keyNumbers(frames, { ...meta!, stats: undefined })).toEqual([
      { label: 'log lines', value: 68 },
      { label: 'error lines', value: 68 },
      { label: 'linked traces', value: 68 },
    ]);
  });

  it('metrics: a time series panel with series and peak', () => {
    const frames = framesFixture(QUESTIONS.metrics);
    expect(groupByVisualisation(frames).map((g) => g.pluginId)).toEqual(['timeseries']);
    const numbers = keyNumbers(frames);
    expect(numbers[0]).toEqual({ label: 'series', value: 1 });
    expect(numbers[1].label).toBe('peak value');
    expect(numbers[1].value).toBeGreaterThan(0);
  });

  it('trace search: a table titled Traces and a trace count', () => {
    const frames = framesFixture(QUESTIONS.traces);
    const groups = groupByVisualisation(frames);
    expect(groups.map((g) => [g.pluginId, g.title])).toEqual([['table', 'Traces']]);
    expect(keyNumbers(frames)).toEqual([{ label: 'traces', value: frames[0].length }]);
  });

  it('clarify: meta without results gives no panels', () => {
    const frames = framesFixture(QUESTIONS.clarify);
    expect(answerMetaOf(frames)?.plan.kind).toBe('clarify');
    expect(groupByVisualisation(frames)).toEqual([]);
    expect(keyNumbers(frames)).toEqual([]);
  });

  it('prefers the backend stats when present', () => {
    const frames = framesFixture(QUESTIONS.logs);
    const meta = answerMetaOf(frames)!;
    expect(keyNumbers(frames, { ...meta, stats: [{ label: 'pods', value: 2 }] })).toEqual([
      { label: 'pods', value: 2 },
    ]);
  });

  it('ignores custom meta that is not an answer', () => {
    expect(answerMetaOf([{ fields: [], length: 0, meta: { custom: { foo: 1 } } }])).toBeUndefined();
  });

  it('offers follow-ups about the same service', () => {
    const meta = answerMetaOf(framesFixture(QUESTIONS.logs));
    const f = followUpQuestions(meta);
    expect(f.length).toBeGreaterThan(0);
    expect(f.every((q) => q.includes('order-service'))).toBe(true);
    expect(followUpQuestions(undefined)).toEqual([]);
  });
});
