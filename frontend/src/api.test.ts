import { errorMessage, fetchLabelValues, fetchServices, translate } from './api';
import { mockBackend } from './test/backend';
import { createDatasource, TEST_UID } from './test/datasource';

describe('resource calls', () => {
  it('posts translate to the datasource resource route', async () => {
    const backend = mockBackend({
      'resources/translate': () => ({ plan: { kind: 'logs', end: 'x' }, understood: [], timeSource: 'default' }),
    });
    await translate(createDatasource(), { question: 'errors', from: 1, to: 2 });
    const [request] = backend.fetch.mock.calls[0];
    expect(request).toMatchObject({
      method: 'POST',
      url: `/api/datasources/uid/${TEST_UID}/resources/translate`,
      data: { question: 'errors', from: 1, to: 2 },
      showErrorAlert: false,
    });
  });

  it('gets services and label values with an escaped name and a range', async () => {
    const backend = mockBackend({
      'resources/services': () => ({ services: [{ name: 'order-service', sources: ['loki'] }] }),
      values: () => ({ values: ['error'] }),
    });
    const ds = createDatasource();
    await expect(fetchServices(ds)).resolves.toEqual({ services: [{ name: 'order-service', sources: ['loki'] }] });
    await fetchLabelValues(ds, 'a/b', 10, 20);
    const [request] = backend.fetch.mock.calls[1];
    expect(request.url).toBe(`/api/datasources/uid/${TEST_UID}/resources/label/a%2Fb/values`);
    expect(request.params).toEqual({ start: 10, end: 20 });
  });
});

describe('errorMessage', () => {
  it('reads the backend error body, Grafana messages, plain text and statuses', () => {
    expect(errorMessage({ status: 502, data: { error: 'Loki is unreachable' } })).toBe('Loki is unreachable');
    expect(errorMessage({ status: 500, data: { message: 'Plugin unavailable' } })).toBe('Plugin unavailable');
    expect(errorMessage({ status: 400, data: 'parse error at line 1\n' })).toBe('parse error at line 1');
    expect(errorMessage({ status: 504, statusText: 'Gateway Timeout' })).toBe(
      'Request failed with status 504 Gateway Timeout'
    );
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('text')).toBe('text');
    expect(errorMessage(undefined)).toBe('Unknown error');
  });
});
