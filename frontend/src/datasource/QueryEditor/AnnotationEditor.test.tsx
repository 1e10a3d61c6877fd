import { getDefaultTimeRange } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';

import { mockBackend } from '../../test/backend';
import { createDatasource } from '../../test/datasource';
import { QuerentQuery, TranslateRequest } from '../../types';
import { AnnotationEditor } from './AnnotationEditor';

describe('AnnotationEditor', () => {
  it('writes a plain-language annotation query and previews it', async () => {
    const backend = mockBackend({
      'resources/translate': () => ({
        plan: {
          kind: 'metrics',
          query: 'sum(count_over_time({service_name="payment-service", level="error"}[5m]))',
          start: '2026-11-25T05:38:56Z',
          end: '2026-11-25T08:38:56Z',
          step: '5m',
        },
        understood: [{ what: 'service', text: 'payment-service', meaning: 'payment-service' }],
        timeSource: 'dashboard',
      }),
    });
    const onChange = jest.fn();
    function Host() {
      const [query, setQuery] = useState<QuerentQuery>({ refId: 'Anno' });
      return (
        <AnnotationEditor
          datasource={createDatasource()}
          query={query}
          range={getDefaultTimeRange()}
          onRunQuery={jest.fn()}
          onChange={(q) => {
            onChange(q);
            setQuery(q);
          }}
        />
      );
    }
    render(<Host />);
    await userEvent.type(screen.getByRole('textbox', { name: /question/i }), 'payment-service error spikes');
    expect(onChange.mock.lastCall[0]).toEqual({
      refId: 'Anno',
      question: 'payment-service error spikes',
      queryType: 'annotations',
      editorMode: 'question',
    });
    expect(await screen.findByLabelText('Generated LogQL', {}, { timeout: 3000 })).toHaveTextContent(
      'sum(count_over_time({service_name="payment-service", level="error"}[5m]))'
    );
    expect((backend.bodies('resources/translate')[0] as TranslateRequest).question).toBe(
      'payment-service error spikes'
    );
  });
});
