import { AnnotationQuery, getDefaultTimeRange, toDataFrame } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { FetchFailure, mockBackend } from '../test/backend';
import { createDatasource, mockTemplateSrv, TEST_UID } from '../test/datasource';
import { QuerentQuery } from '../types';

describe('QuerentDataSource', () => {
  beforeEach(() => mockTemplateSrv({ service: 'order-service' }));

  it('sends only the question in question mode, with variables replaced', () => {
    const ds = createDatasource();
    const q = ds.applyTemplateVariables(
      { refId: 'A', editorMode: 'question', question: 'errors of $service', expr: '{old="code"}' },
      {}
    );
    expect(q).toEqual({ refId: 'A', editorMode: 'question', question: 'errors of order-service' });
  });

  it('sends only the code in code mode, so the backend runs it as written', () => {
    const ds = createDatasource();
    const q = ds.applyTemplateVariables(
      {
        refId: 'A',
        editorMode: 'code',
        queryType: 'logs',
        question: 'old question',
        expr: '{service_name="$service"}',
      },
      {}
    );
    expect(q).toEqual({ refId: 'A', editorMode: 'code', queryType: 'logs', expr: '{service_name="order-service"}' });
  });

  it('infers the mode of queries saved without one', () => {
    const ds = createDatasource();
    expect(ds.applyTemplateVariables({ refId: 'A', expr: '{a="b"}' }, {})).toEqual({ refId: 'A', expr: '{a="b"}' });
  });

  it('skips hidden and empty queries', () => {
    const ds = createDatasource();
    expect(ds.filterQuery({ refId: 'A', question: '  ' })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', question: 'errors', hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', question: 'errors' })).toBe(true);
    expect(ds.filterQuery({ refId: 'A', editorMode: 'code', question: 'x', expr: '' })).toBe(false);
  });

  it('runs questions through /api/ds/query with the question in the body', async () => {
    const backend = mockBackend({ 'api/ds/query': () => ({ results: { A: { status: 200, frames: [] } } }) });
    const ds = createDatasource();
    await lastValueFrom(
      ds.query({
        targets: [{ refId: 'A', question: 'errors of $service', sessionId: 's1' }],
        range: getDefaultTimeRange(),
        scopedVars: {},
        requestId: 'r',
        interval: '1m',
        intervalMs: 60000,
        timezone: 'utc',
        app: 'explore',
        startTime: 0,
      })
    );
    const body = backend.bodies('api/ds/query')[0] as { queries: QuerentQuery[] };
    expect(body.queries[0]).toMatchObject({ refId: 'A', question: 'errors of order-service', sessionId: 's1' });
    expect(body.queries[0].datasource).toEqual({ type: 'querent-nlq-datasource', uid: TEST_UID });
  });

  it('"Save & test" shows the health check message', async () => {
    mockBackend({ [`uid/${TEST_UID}/health`]: () => ({ status: 'OK', message: 'Loki 3.7.6 and Tempo 3.0.3 answer' }) });
    await expect(createDatasource().testDatasource()).resolves.toMatchObject({
      status: 'success',
      message: 'Loki 3.7.6 and Tempo 3.0.3 answer',
    });
  });

  it('"Save & test" shows a failed health check as an error with its message', async () => {
    mockBackend({
      [`uid/${TEST_UID}/health`]: () =>
        new FetchFailure(400, { status: 'ERROR', message: 'Tempo at http://tempo:3200 did not answer' }),
    });
    // Grafana's settings page shows the rejected result's message
    await expect(createDatasource().testDatasource()).rejects.toMatchObject({
      status: 'error',
      message: 'Tempo at http://tempo:3200 did not answer',
    });
  });

  it('turns annotations into questions with queryType "annotations"', () => {
    const ds = createDatasource();
    const anno = ds.annotations.prepareAnnotation!({
      name: 'spikes',
      enable: true,
      iconColor: 'red',
      query: 'payment-service error spikes',
    });
    expect(anno.target).toMatchObject({ question: 'payment-service error spikes', queryType: 'annotations' });
    const q = ds.annotations.prepareQuery!(anno as AnnotationQuery<QuerentQuery>);
    expect(q).toMatchObject({ queryType: 'annotations', question: 'payment-service error spikes', refId: 'Anno' });
    expect(
      ds.annotations.prepareQuery!({ name: 'x', enable: true, iconColor: 'red', target: { refId: 'A', question: ' ' } })
    ).toBeUndefined();
  });

  it('turns the annotation frame into events with time, end, text and tags', async () => {
    const ds = createDatasource();
    const frame = toDataFrame({
      fields: [
        { name: 'time', values: [1795588800000, 1795592400000] },
        { name: 'timeEnd', values: [1795589400000, 1795592400000] },
        { name: 'text', values: ['payment-service errors spiked to 12 per 5m', 'order-service 500s'] },
        { name: 'tags', values: ['payment-service, error,spike', ''] },
      ],
    });
    const anno = { name: 'a', enable: true, iconColor: 'red' } as AnnotationQuery<QuerentQuery>;
    const events = await lastValueFrom(ds.annotations.processEvents!(anno, [frame]));
    expect(events).toEqual([
      {
        time: 1795588800000,
        timeEnd: 1795589400000,
        isRegion: true,
        text: 'payment-service errors spiked to 12 per 5m',
        tags: ['payment-service', 'error', 'spike'],
      },
      { time: 1795592400000, timeEnd: 1795592400000, isRegion: false, text: 'order-service 500s', tags: [] },
    ]);
  });
});
