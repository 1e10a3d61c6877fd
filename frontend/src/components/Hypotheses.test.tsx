import { dateTime } from '@grafana/data';
import { render, screen, within } from '@testing-library/react';

import { TEST_UID } from '../test/datasource';
import { recordedHypotheses } from '../test/fixtures';
import { Hypothesis } from '../types';
import { Hypotheses } from './Hypotheses';

const RANGE = {
  from: dateTime('2026-11-25T05:38:56Z'),
  to: dateTime('2026-11-25T08:38:56Z'),
  raw: { from: '2026-11-25T05:38:56Z', to: '2026-11-25T08:38:56Z' },
};

/** The Explore pane a link opens: its datasource, queries and range. */
function paneOf(href: string | null) {
  const url = new URL(href ?? '', 'http://grafana');
  expect(url.pathname).toBe('/explore');
  return Object.values(JSON.parse(url.searchParams.get('panes') ?? '{}'))[0] as {
    datasource: string;
    queries: Array<Record<string, unknown>>;
    range: { from: string; to: string };
  };
}

describe('Hypotheses', () => {
  it('shows every part of a full hypothesis the backend recorded', () => {
    const [h1, h2] = recordedHypotheses();
    render(<Hypotheses hypotheses={[h1, h2]} datasourceUid={TEST_UID} range={RANGE} />);

    const causes = screen.getByRole('group', { name: 'Possible causes' });
    const first = within(causes).getByRole('region', { name: `Cause 1: ${h1.title}` });
    expect(within(first).getByRole('heading', { name: `1. ${h1.title}` })).toBeInTheDocument();
    expect(within(first).getByText('H1')).toBeInTheDocument();
    expect(within(first).getByLabelText('service: payment-service')).toHaveTextContent('payment-service');
    expect(within(first).getByLabelText('cause: timeout')).toHaveTextContent('timeout');
    expect(within(first).getByLabelText('confidence: high')).toHaveTextContent('high confidence');
    expect(within(first).getByLabelText('failing span')).toHaveTextContent(
      'payment-service POST /v2/charges: context deadline exceeded (Client.Timeout exceeded while awaiting headers) (5.00–5.01 s)'
    );
    expect(within(first).getByLabelText('dependency')).toHaveTextContent(
      'the external service acmepay (api.acmepay.example)'
    );
    expect(within(first).getByLabelText('affects')).toHaveTextContent('order-service, api-gateway');
    expect(within(first).getByLabelText('counts')).toHaveTextContent('45 lines, 45 traces');
    const evidence = within(first).getByRole('list', { name: 'Evidence for cause 1' });
    expect(within(evidence).getAllByRole('listitem')).toHaveLength(h1.evidence!.length);
    expect(within(evidence).getAllByRole('listitem')[0]).toHaveTextContent(/^\[E2\] 45 log lines/);

    const second = within(causes).getByRole('region', { name: `Cause 2: ${h2.title}` });
    expect(within(second).getByLabelText('cause: connection pool exhausted')).toBeInTheDocument();
    expect(within(second).getByLabelText('dependency')).toHaveTextContent('the postgresql database postgres-order');
    expect(within(second).getByLabelText('affects')).toHaveTextContent(/^api-gateway$/);
  });

  it('links every example trace to Explore with this datasource, as a trace query in the answer range', () => {
    const [h1] = recordedHypotheses();
    render(<Hypotheses hypotheses={[h1]} datasourceUid={TEST_UID} range={RANGE} />);
    const traces = screen.getByRole('group', { name: 'Example traces for cause 1' });
    const links = within(traces).getAllByRole('link');
    expect(links).toHaveLength(5);
    const first = within(traces).getByRole('link', { name: 'Open trace e5ae288f5942339503d301cf19a12723 in Explore' });
    expect(first).toHaveTextContent('e5ae288f5942…');
    const pane = paneOf(first.getAttribute('href'));
    expect(pane.datasource).toBe(TEST_UID);
    expect(pane.queries).toEqual([
      {
        refId: 'A',
        queryType: 'trace',
        expr: 'e5ae288f5942339503d301cf19a12723',
        datasource: { type: 'querent-nlq-datasource', uid: TEST_UID },
      },
    ]);
    expect(pane.range).toEqual({ from: String(RANGE.from.valueOf()), to: String(RANGE.to.valueOf()) });
  });

  it('pads a trace id that lost its leading zero, and shows ids as text without a datasource', () => {
    const h: Hypothesis = { title: 'Pool exhausted', traceIds: ['5722bc54b5e4a401a5a897790ba1d38'] };
    const { unmount } = render(<Hypotheses hypotheses={[h]} datasourceUid={TEST_UID} />);
    const link = screen.getByRole('link', { name: 'Open trace 05722bc54b5e4a401a5a897790ba1d38 in Explore' });
    expect(paneOf(link.getAttribute('href')).queries[0].expr).toBe('05722bc54b5e4a401a5a897790ba1d38');
    unmount();

    render(<Hypotheses hypotheses={[h]} />);
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
    expect(screen.getByText('05722bc54b5e4a401a5a897790ba1d38')).toBeInTheDocument();
  });

  it('shows a minimal hypothesis (older answers) with only what it has', () => {
    const minimal: Hypothesis[] = [
      { title: 'Payment provider timeouts', service: 'payment-service', evidence: '45 lines say "gateway timeout"' },
      { title: 'Something else' },
    ];
    render(<Hypotheses hypotheses={minimal} />);
    const first = screen.getByRole('region', { name: 'Cause 1: Payment provider timeouts' });
    expect(within(first).getByLabelText('service: payment-service')).toBeInTheDocument();
    expect(within(first).getByRole('listitem')).toHaveTextContent('45 lines say "gateway timeout"');
    expect(within(first).queryByLabelText(/^cause:/)).not.toBeInTheDocument();
    expect(within(first).queryByLabelText(/^confidence:/)).not.toBeInTheDocument();
    expect(within(first).queryByLabelText('failing span')).not.toBeInTheDocument();
    expect(within(first).queryByRole('group')).not.toBeInTheDocument();

    const second = screen.getByRole('region', { name: 'Cause 2: Something else' });
    expect(within(second).getByRole('heading')).toHaveTextContent('2. Something else');
    expect(within(second).queryByRole('list')).not.toBeInTheDocument();
    expect(within(second).queryByRole('term')).not.toBeInTheDocument();
  });

  it('uses the rank the backend gave, words for every cause, and short durations in ms', () => {
    render(
      <Hypotheses
        hypotheses={[
          {
            title: 'Slow catalog queries',
            rank: 3,
            cause: 'latency',
            confidence: 'low',
            lines: 1,
            traces: 1,
            failingSpan: {
              service: 'product-service',
              name: 'SELECT products',
              durationMsMin: 812.1,
              durationMsMax: 812.4,
            },
          },
          { title: 'Odd', rank: 4, cause: 'disk_on_fire', confidence: 'medium' },
        ]}
      />
    );
    const slow = screen.getByRole('region', { name: 'Cause 3: Slow catalog queries' });
    expect(within(slow).getByLabelText('cause: slow responses')).toBeInTheDocument();
    expect(within(slow).getByLabelText('failing span')).toHaveTextContent('product-service SELECT products (812 ms)');
    expect(within(slow).getByLabelText('counts')).toHaveTextContent('1 line, 1 trace');
    expect(screen.getByLabelText('cause: disk on fire')).toBeInTheDocument();
    expect(screen.getByLabelText('confidence: medium')).toHaveTextContent('medium confidence');
  });

  it('renders nothing without hypotheses', () => {
    const { container } = render(<Hypotheses hypotheses={[]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
