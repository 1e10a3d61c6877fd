import { FieldConfigSource, getDefaultTimeRange, LoadingState, PanelData, toDataFrame } from '@grafana/data';
import { render, screen } from '@testing-library/react';

import { framesFixture, QUESTIONS } from '../test/fixtures';
import { TEST_UID } from '../test/datasource';
import { AnswerPanel } from './AnswerPanel';
import { AnswerPanelOptions, DEFAULT_OPTIONS } from './options';

function renderPanel(data: Partial<PanelData>, options: Partial<AnswerPanelOptions> = {}) {
  return render(panel(data, options));
}

function panel(data: Partial<PanelData>, options: Partial<AnswerPanelOptions> = {}) {
  const panelData: PanelData = { state: LoadingState.Done, series: [], timeRange: getDefaultTimeRange(), ...data };
  return (
    <AnswerPanel
      id={1}
      data={panelData}
      timeRange={panelData.timeRange}
      timeZone="utc"
      options={{ ...DEFAULT_OPTIONS, ...options }}
      transparent={false}
      width={600}
      height={300}
      fieldConfig={{ defaults: {}, overrides: [] } as FieldConfigSource}
      renderCounter={0}
      title="Answer"
      eventBus={{} as never}
      onOptionsChange={jest.fn()}
      onFieldConfigChange={jest.fn()}
      replaceVariables={(s) => s}
      onChangeTimeRange={jest.fn()}
    />
  );
}

describe('AnswerPanel', () => {
  it('shows the summary and key numbers from meta.custom and the frames', () => {
    renderPanel({ series: framesFixture(QUESTIONS.logs) });
    expect(screen.getByText(QUESTIONS.logs)).toBeInTheDocument();
    expect(screen.getByText(/^68 error lines from order-service in the last 3 hours/)).toBeInTheDocument();
    expect(screen.getByText('log lines')).toBeInTheDocument();
    expect(screen.getAllByText('68')).toHaveLength(3);
    expect(screen.queryByLabelText('Query that ran')).not.toBeInTheDocument();
  });

  it('prefers the numbers the backend put in meta.custom.stats', () => {
    const frame = toDataFrame({
      fields: [{ name: 'Value', values: [1] }],
      meta: {
        custom: {
          question: 'why is payment-service failing?',
          plan: { kind: 'correlate', query: '{service_name="payment-service"}', end: '2026-11-25T08:38:56Z' },
          understood: [],
          timeSource: 'default',
          summary: 'The payment provider timed out.',
          stats: [{ label: 'timeouts', value: 45 }],
        },
      },
    });
    renderPanel({ series: [frame] });
    expect(screen.getByText('The payment provider timed out.')).toBeInTheDocument();
    expect(screen.getByText('timeouts')).toBeInTheDocument();
    expect(screen.getByText('45')).toBeInTheDocument();
  });

  it('marks a summary the LLM wrote, and says why a template summary is shown', () => {
    const answer = (custom: Record<string, unknown>) =>
      toDataFrame({
        fields: [{ name: 'Value', values: [1] }],
        meta: {
          custom: {
            question: 'why is payment-service failing?',
            plan: { kind: 'correlate', query: '{service_name="payment-service"}', end: '2026-11-25T08:38:56Z' },
            understood: [],
            timeSource: 'default',
            ...custom,
          },
        },
      });
    const { rerender } = renderPanel({
      series: [
        answer({
          summary: 'acmepay timed out [E4].',
          summarySource: 'llm',
          llm: { configured: true, translated: false, model: 'gpt-4o-mini', summarySource: 'llm' },
        }),
      ],
    });
    expect(screen.getByLabelText('Summary written by gpt-4o-mini')).toHaveTextContent('written by gpt-4o-mini');
    expect(screen.queryByRole('note')).not.toBeInTheDocument();

    const note = 'The LLM summary is not available (timed out after 30 s); this is the template summary.';
    const series = [
      answer({
        summary: 'Template summary [E1].',
        summarySource: 'template',
        llm: { configured: true, translated: false, summaryNote: note },
      }),
    ];
    rerender(panel({ series }));
    expect(screen.getByText('Template summary [E1].')).toBeInTheDocument();
    expect(screen.queryByLabelText(/written by/)).not.toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent(note);

    rerender(panel({ series }, { showSummary: false }));
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
  });

  it('links to Explore with the panel query and time range', () => {
    const range = getDefaultTimeRange();
    renderPanel({
      series: framesFixture(QUESTIONS.traces),
      timeRange: range,
      request: {
        targets: [
          { refId: 'A', question: QUESTIONS.traces, datasource: { type: 'querent-nlq-datasource', uid: TEST_UID } },
        ],
      } as unknown as PanelData['request'],
    });
    const link = screen.getByRole('link', { name: /open the full answer in explore/i });
    const url = new URL(link.getAttribute('href')!, 'http://grafana');
    expect(url.pathname).toBe('/explore');
    const panes = JSON.parse(url.searchParams.get('panes')!);
    const pane = Object.values(panes)[0] as {
      datasource: string;
      queries: Array<Record<string, unknown>>;
      range: unknown;
    };
    expect(pane.datasource).toBe(TEST_UID);
    expect(pane.queries[0]).toMatchObject({ question: QUESTIONS.traces, datasource: { uid: TEST_UID } });
    expect(pane.range).toEqual({ from: String(range.from.valueOf()), to: String(range.to.valueOf()) });
  });

  it('shows the query when asked to, and no link without a Querent query', () => {
    renderPanel({ series: framesFixture(QUESTIONS.metrics) }, { showQuery: true });
    expect(screen.getByLabelText('Query that ran')).toHaveTextContent(
      'sum(count_over_time({service_name="payment-service", level="error"}[5m]))'
    );
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });

  it('explains a clarification instead of a summary', () => {
    renderPanel({ series: framesFixture(QUESTIONS.clarify) });
    expect(screen.getByText('There is no service inventory in Loki or Tempo.')).toBeInTheDocument();
  });

  it('says what to do when there is no answer', () => {
    renderPanel({ series: [] });
    expect(screen.getByText(/ask a question with a querent datasource/i)).toBeInTheDocument();
  });
});
