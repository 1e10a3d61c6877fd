import { DataSourceApi } from '@grafana/data';
import { DataSourceSrv, PanelRendererProps, setDataSourceSrv } from '@grafana/runtime';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { clearHistory } from '../../components/history';
import { FetchFailure, mockBackend } from '../../test/backend';
import { createDatasource, createInstanceSettings, mockTemplateSrv, TEST_UID } from '../../test/datasource';
import { examples, queryAnswerFixture, QUESTIONS } from '../../test/fixtures';
import { QuerentQuery } from '../../types';
import { AskPage } from './AskPage';

// Grafana core provides PanelRenderer at runtime; here it records what it was asked to draw.
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  PanelRenderer: (props: PanelRendererProps) => (
    <div role="figure" aria-label={`${props.pluginId} panel`}>
      {`${props.data?.series.length ?? 0} frames`}
    </div>
  ),
}));

function setup(answer: (question: string) => unknown = queryAnswerFixture) {
  mockTemplateSrv();
  const backend = mockBackend({
    'resources/examples': () => examples,
    'api/ds/query': (r) => answer((r.data as { queries: QuerentQuery[] }).queries[0].question ?? ''),
  });
  const ds = createDatasource();
  setDataSourceSrv({
    getList: () => [createInstanceSettings()],
    get: async () => ds as unknown as DataSourceApi,
  } as unknown as DataSourceSrv);
  render(<AskPage />);
  const sent = () => backend.bodies('api/ds/query').map((b) => (b as { queries: QuerentQuery[] }).queries[0]);
  return { user: userEvent.setup(), sent };
}

describe('AskPage', () => {
  beforeEach(() => clearHistory());

  it('offers example questions from the connected data and answers one', async () => {
    const { user } = setup();
    const list = await screen.findByRole('group', { name: 'Example questions' });
    expect(within(list).getAllByRole('button')).toHaveLength(examples.examples.length);
    await user.click(within(list).getByRole('button', { name: QUESTIONS.logs }));

    const turn = await screen.findByRole('article', { name: `Answer to: ${QUESTIONS.logs}` });
    expect(await within(turn).findByText(/^68 error lines from order-service/)).toBeInTheDocument();
    expect(within(turn).getByLabelText('Query that ran')).toHaveTextContent(
      '{service_name="order-service", level="error"}'
    );
    expect(within(turn).getByRole('figure', { name: 'logs panel' })).toHaveTextContent('2 frames');
    expect(within(turn).getByText('service: order-service')).toBeInTheDocument();
    expect(within(turn).getByRole('link', { name: /open in explore/i })).toHaveAttribute(
      'href',
      expect.stringContaining('/explore?')
    );
  });

  it('asks follow-ups in the same thread with the previous plan as context', async () => {
    const { user, sent } = setup();
    const box = await screen.findByRole('textbox', { name: /ask about your logs and traces/i });
    await user.type(box, `${QUESTIONS.logs}{Enter}`);
    await screen.findByText(/^68 error lines/);

    await user.type(screen.getByRole('textbox', { name: /ask a follow-up/i }), `${QUESTIONS.metrics}{Enter}`);
    const second = await screen.findByRole('article', { name: `Answer to: ${QUESTIONS.metrics}` });
    expect(await within(second).findByRole('figure', { name: 'timeseries panel' })).toBeInTheDocument();

    const [first, followUp] = sent();
    expect(first.context).toBeUndefined();
    expect(followUp.sessionId).toBe(first.sessionId);
    expect(followUp.context).toEqual({
      question: QUESTIONS.logs,
      plan: expect.objectContaining({ kind: 'logs', query: '{service_name="order-service", level="error"}' }),
    });
    expect(screen.getAllByRole('article')).toHaveLength(2);
  });

  it('offers clickable follow-up questions under the latest answer', async () => {
    const { user, sent } = setup();
    await user.type(await screen.findByRole('textbox', { name: /ask about/i }), `${QUESTIONS.traces}{Enter}`);
    const followUps = await screen.findByRole('group', { name: 'Follow-up questions' });
    const first = within(followUps).getAllByRole('button')[0];
    const text = first.textContent ?? '';
    await user.click(first);
    await waitFor(() => expect(sent()).toHaveLength(2));
    expect(sent()[1].question).toBe(text);
  });

  it('shows a clarification whose suggestion asks the fixed question', async () => {
    const { user, sent } = setup((q) =>
      q === QUESTIONS.clarify ? queryAnswerFixture(q) : queryAnswerFixture(QUESTIONS.logs)
    );
    await user.type(await screen.findByRole('textbox', { name: /ask about/i }), `${QUESTIONS.clarify}{Enter}`);
    await user.click(await screen.findByRole('button', { name: 'Did you mean order-service?' }));
    await waitFor(() => expect(sent()).toHaveLength(2));
    expect(sent()[1].question).toBe('show logs from the order-service');
  });

  it('answers a diagnosis question with its causes, each with links to its example traces', async () => {
    const { user } = setup();
    await user.type(await screen.findByRole('textbox', { name: /ask about/i }), `${QUESTIONS.diagnosis}{Enter}`);
    const turn = await screen.findByRole('article', { name: `Answer to: ${QUESTIONS.diagnosis}` });
    expect(await within(turn).findByText(/^68 log lines of/)).toBeInTheDocument();
    expect(within(turn).getByText('traces fetched')).toBeInTheDocument();

    const causes = within(turn).getByRole('group', { name: 'Possible causes' });
    expect(within(causes).getAllByRole('region')).toHaveLength(2);
    const first = within(causes).getByRole('region', {
      name: /^Cause 1: Timeouts calling the external service acmepay/,
    });
    expect(within(first).getByLabelText('failing span')).toHaveTextContent('payment-service POST /v2/charges');
    expect(within(first).getByLabelText('affects')).toHaveTextContent('order-service, api-gateway');
    const link = within(first).getByRole('link', { name: 'Open trace e5ae288f5942339503d301cf19a12723 in Explore' });
    const url = new URL(link.getAttribute('href')!, 'http://grafana');
    const pane = Object.values(JSON.parse(url.searchParams.get('panes')!))[0] as {
      datasource: string;
      queries: QuerentQuery[];
      range: { from: string; to: string };
    };
    expect(pane.datasource).toBe(TEST_UID);
    expect(pane.queries[0]).toMatchObject({ queryType: 'trace', expr: 'e5ae288f5942339503d301cf19a12723' });
    // the range of the answer (the question's last 3 hours), not the page's default hour
    expect(pane.range).toEqual({
      from: String(Date.parse('2026-11-25T05:38:56Z')),
      to: String(Date.parse('2026-11-25T08:38:56Z')),
    });
    expect(within(turn).getByRole('figure', { name: 'logs panel' })).toBeInTheDocument();
    expect(within(turn).queryByRole('group', { name: 'Notices' })).not.toBeInTheDocument();
    expect(within(turn).queryByLabelText(/written by/)).not.toBeInTheDocument();
  });

  it('marks a summary the LLM wrote, shows its notes and the notices of the answer', async () => {
    const traced = '20 traces could not be fetched from Tempo (Tempo answered 503); the log lines still answer.';
    const withLlm = (question: string) => {
      const answer = JSON.parse(JSON.stringify(queryAnswerFixture(question)));
      const meta = answer.results.A.frames[0].schema.meta;
      Object.assign(meta.custom, {
        summarySource: 'template',
        llm: {
          configured: true,
          translated: true,
          model: 'qwen2.5-coder-0.5b',
          summarySource: 'template',
          summaryNote: 'The LLM summary is not shown (it named billing-service); this is the template summary.',
        },
        notices: [traced],
      });
      meta.notices = [
        { severity: 'warning', text: traced },
        { severity: 'info', text: 'The range was narrowed to 24 hours.' },
      ];
      if (question === QUESTIONS.logs) {
        Object.assign(meta.custom, { summarySource: 'llm', summary: 'Order-service fails at checkout [E2].' });
        meta.custom.llm = { configured: true, translated: false, model: 'qwen2.5-coder-0.5b', summarySource: 'llm' };
        delete meta.custom.notices;
        delete meta.notices;
      }
      return answer;
    };
    const { user } = setup(withLlm);
    await user.type(await screen.findByRole('textbox', { name: /ask about/i }), `${QUESTIONS.diagnosis}{Enter}`);
    const turn = await screen.findByRole('article', { name: `Answer to: ${QUESTIONS.diagnosis}` });
    const summary = await within(turn).findByTestId('querent-ask-summary');
    expect(within(summary).queryByLabelText(/^Summary written by/)).not.toBeInTheDocument();
    expect(within(summary).getByLabelText('Query written by qwen2.5-coder-0.5b')).toBeInTheDocument();
    expect(within(summary).getByRole('note')).toHaveTextContent(/named billing-service/);
    const notices = within(turn).getByRole('group', { name: 'Notices' });
    expect(within(notices).getAllByRole('alert')).toHaveLength(1);
    expect(within(notices).getByRole('alert')).toHaveTextContent(traced);
    expect(within(notices).getByText('The range was narrowed to 24 hours.')).toBeInTheDocument();

    await user.type(screen.getByRole('textbox', { name: /ask a follow-up/i }), `${QUESTIONS.logs}{Enter}`);
    const second = await screen.findByRole('article', { name: `Answer to: ${QUESTIONS.logs}` });
    expect(await within(second).findByText('Order-service fails at checkout [E2].')).toBeInTheDocument();
    expect(within(second).getByLabelText('Summary written by qwen2.5-coder-0.5b')).toHaveTextContent(
      'written by qwen2.5-coder-0.5b'
    );
    expect(within(second).queryByRole('note')).not.toBeInTheDocument();
    expect(within(second).queryByRole('group', { name: 'Notices' })).not.toBeInTheDocument();
  });

  it('shows the error of a failed query and keeps the page usable', async () => {
    const { user } = setup(() => new FetchFailure(500, { message: 'Loki answered 400: parse error at line 1' }));
    await user.type(await screen.findByRole('textbox', { name: /ask about/i }), `broken question{Enter}`);
    expect(await screen.findByText('The question could not be answered')).toBeInTheDocument();
    expect(screen.getByText(/parse error at line 1/)).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /ask a follow-up/i })).toBeEnabled();
  });

  it('points to the datasource settings when there is no Querent datasource', () => {
    setDataSourceSrv({ getList: () => [] } as unknown as DataSourceSrv);
    render(<AskPage />);
    expect(screen.getByText('Connect Querent to your Loki and Tempo first')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /add a querent datasource/i })).toHaveAttribute(
      'href',
      'connections/datasources/querent-nlq-datasource'
    );
  });
});
