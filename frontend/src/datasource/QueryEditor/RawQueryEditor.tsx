import { SelectableValue } from '@grafana/data';
import { Field, Select, Stack } from '@grafana/ui';

import { CodeField } from '../../components/CodeField';
import { languageOf } from '../../components/highlight';
import { QuerentQuery, QueryType } from '../../types';

interface Props {
  query: QuerentQuery;
  onChange: (query: QuerentQuery) => void;
  onRun: () => void;
}

export const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = [
  { label: 'Logs (LogQL)', value: 'logs' },
  { label: 'Log metrics (LogQL)', value: 'metrics' },
  { label: 'Logs → traces (LogQL)', value: 'correlate' },
  { label: 'Traces (TraceQL)', value: 'traces' },
  { label: 'Trace metrics (TraceQL)', value: 'trace_metrics' },
  { label: 'Trace by ID', value: 'trace' },
];

const PLACEHOLDERS: Record<string, string> = {
  logql: '{service_name="order-service", level="error"}',
  traceql: '{ resource.service.name = "product-service" && duration > 1s }',
  plain: 'a trace id, e.g. 0af7651916cd43dd8448eb211c80319c',
};

/** The query as code: LogQL, TraceQL or a trace id, highlighted with Grafana's grammars. */
export function RawQueryEditor({ query, onChange, onRun }: Props) {
  const queryType = query.queryType && query.queryType !== 'annotations' ? query.queryType : 'logs';
  const language = languageOf(queryType);
  return (
    <Stack direction="column" gap={1}>
      <Field label="Query type" noMargin>
        <Select
          aria-label="Query type"
          width={32}
          options={QUERY_TYPE_OPTIONS}
          value={queryType}
          onChange={(v) => onChange({ ...query, queryType: v.value })}
        />
      </Field>
      <Field label="Query" description="Runs exactly as written. Enter runs, Shift+Enter adds a line." noMargin>
        <CodeField
          label="Query"
          value={query.expr ?? ''}
          language={language}
          placeholder={PLACEHOLDERS[language]}
          onChange={(expr) => onChange({ ...query, expr })}
          onRun={onRun}
        />
      </Field>
    </Stack>
  );
}
