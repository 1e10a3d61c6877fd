import { getDefaultTimeRange } from '@grafana/data';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';

import { clearHistory } from '../../components/history';
import { FetchFailure, mockBackend } from '../../test/backend';
import { createDatasource } from '../../test/datasource';
import { QUESTIONS, translateFixture } from '../../test/fixtures';
import { QuerentQuery, TranslateRequest } from '../../types';
import { QueryEditor } from './QueryEditor';

function translateBackend(override?: (q: string) => unknown) {
  return mockBackend({
    'resources/translate': (r) => {
      const { question } = r.data as TranslateRequest;
      return override?.(question) ?? translateFixture(question);
    },
  });
}

/** The editor as Grafana hosts it: the query lives outside and comes back through props. */
function setup(initial: Partial<QuerentQuery> = {}) {
  const datasource = createDatasource();
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Host() {
    const [query, setQuery] = useState<QuerentQuery>({ refId: 'A', ...initial });
    return (
      <QueryEditor
        datasource={datasource}
        query={query}
        range={getDefaultTimeRange()}
        onChange={(q) => {
          onChange(q);
          setQuery(q);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  const user = userEvent.setup();
  render(<Host />);
  return { onChange, onRunQuery, user };
}

const lastQuery = (fn: jest.Mock): QuerentQuery => fn.mock.calls[fn.mock.calls.length - 1][0];

describe('QueryEditor', () => {
  beforeEach(() => clearHistory());

  it('shows the generated LogQL, time range and entities for a typed question', async () => {
    const backend = translateBackend();
    const { user, onChange } = setup();
    await user.type(screen.getByRole('textbox', { name: /question/i }), QUESTIONS.logs);

    const code = await screen.findByLabelText('Generated LogQL', {}, { timeout: 3000 });
    expect(code).toHaveTextContent('{service_name="order-service", level="error"}');
    expect(screen.getByText(/2026-11-25 05:38 → 08:38 UTC · from the question/)).toBeInTheDocument();
    expect(screen.getByText('service: order-service')).toBeInTheDocument();
    expect(screen.getByText('level: level="error"')).toBeInTheDocument();
    expect(lastQuery(onChange).question).toBe(QUESTIONS.logs);

    // debounced: one request for the whole question, not one per keystroke
    const sent = backend.bodies('resources/translate') as TranslateRequest[];
    expect(sent).toHaveLength(1);
    expect(sent[0].question).toBe(QUESTIONS.logs);
    expect(typeof sent[0].from).toBe('number');
  });

  it('runs on Enter and adds a line on Shift+Enter', async () => {
    translateBackend();
    const { user, onRunQuery, onChange } = setup();
    const box = screen.getByRole('textbox', { name: /question/i });
    await user.type(box, 'first line{Shift>}{Enter}{/Shift}second');
    expect(onRunQuery).not.toHaveBeenCalled();
    expect(lastQuery(onChange).question).toBe('first line\nsecond');
    await user.type(box, '{Enter}');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('offers clarifications as clickable suggestions that fix the question', async () => {
    translateBackend();
    const { user, onChange } = setup();
    await user.type(screen.getByRole('textbox', { name: /question/i }), QUESTIONS.clarify);

    expect(await screen.findByText('Which one did you mean?', {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.getByText('There is no service inventory in Loki or Tempo.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Did you mean order-service?' }));
    expect(lastQuery(onChange).question).toBe('show logs from the order-service');
  });

  it('shows the backend error when translation fails', async () => {
    translateBackend(() => new FetchFailure(502, { error: 'Loki at http://loki:3100 is unreachable' }));
    const { user } = setup();
    await user.type(screen.getByRole('textbox', { name: /question/i }), 'errors');
    expect(await screen.findByText('Could not translate the question', {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.getByText('Loki at http://loki:3100 is unreachable')).toBeInTheDocument();
  });

  it('switches to code with the previewed query, and code edits flow into the query', async () => {
    translateBackend();
    const { user, onChange, onRunQuery } = setup({ question: QUESTIONS.traces });
    await screen.findByLabelText('Generated TraceQL', {}, { timeout: 3000 });

    await user.click(screen.getByRole('radio', { name: /code/i }));
    expect(lastQuery(onChange)).toMatchObject({
      editorMode: 'code',
      queryType: 'traces',
      expr: '{ resource.service.name = "product-service" && duration > 1s }',
      question: QUESTIONS.traces,
    });

    const code = screen.getByRole('textbox', { name: 'Query' });
    await user.clear(code);
    await user.type(code, '{{ duration > 2s }');
    expect(lastQuery(onChange).expr).toBe('{ duration > 2s }');
    await user.type(code, '{Enter}');
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole('radio', { name: /question/i }));
    expect(lastQuery(onChange).editorMode).toBe('question');
    expect(screen.getByRole('textbox', { name: /question/i })).toHaveValue(QUESTIONS.traces);
  });

  it('"Edit as code" takes the plan with its step into code mode', async () => {
    translateBackend();
    const { user, onChange } = setup({ question: QUESTIONS.metrics });
    await screen.findByLabelText('Generated LogQL', {}, { timeout: 3000 });
    await user.click(screen.getByRole('button', { name: /edit as code/i }));
    expect(lastQuery(onChange)).toMatchObject({ editorMode: 'code', queryType: 'metrics', step: '5m' });
    expect(screen.getByRole('textbox', { name: 'Step' })).toHaveValue('5m');
  });

  it('sets limit and query type in code mode', async () => {
    translateBackend();
    const { user, onChange } = setup({ editorMode: 'code', queryType: 'logs', expr: '{a="b"}' });
    const limit = screen.getByRole('spinbutton', { name: 'Limit' });
    await user.type(limit, '25');
    await act(async () => limit.blur());
    expect(lastQuery(onChange).limit).toBe(25);

    await user.click(screen.getByRole('combobox', { name: 'Query type' }));
    await user.click(await screen.findByText('Trace by ID'));
    expect(lastQuery(onChange).queryType).toBe('trace');
  });

  it('keeps the questions run in this session one click away', async () => {
    translateBackend();
    const { user, onChange, onRunQuery } = setup();
    const box = screen.getByRole('textbox', { name: /question/i });
    await user.type(box, `${QUESTIONS.logs}{Enter}`);
    await user.clear(box);
    await user.type(box, 'something else');

    await user.click(screen.getByRole('button', { name: 'Question history' }));
    const menu = await screen.findByRole('menu');
    await user.click(within(menu).getByText(QUESTIONS.logs));
    expect(lastQuery(onChange)).toMatchObject({ question: QUESTIONS.logs, editorMode: 'question' });
    await waitFor(() => expect(onRunQuery).toHaveBeenCalledTimes(2));
  });
});
