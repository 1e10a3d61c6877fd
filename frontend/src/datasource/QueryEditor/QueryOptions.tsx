import { InlineField, InlineFieldRow, InlineSwitch, Input } from '@grafana/ui';

import { QuerentQuery } from '../../types';

interface Props {
  query: QuerentQuery;
  onChange: (query: QuerentQuery) => void;
}

/** Limit, step and instant of a query written as code. Values apply on blur. */
export function QueryOptions({ query, onChange }: Props) {
  const metrics = query.queryType === 'metrics' || query.queryType === 'trace_metrics';
  const limited = !metrics && query.queryType !== 'trace';
  return (
    <InlineFieldRow>
      {limited && (
        <InlineField label="Limit" tooltip="Maximum log lines or traces. Empty: the datasource's default.">
          <Input
            aria-label="Limit"
            type="number"
            min={1}
            width={12}
            defaultValue={query.limit ?? ''}
            key={`limit-${query.limit ?? ''}`}
            onBlur={(e) => onChange({ ...query, limit: parseLimit(e.currentTarget.value) })}
          />
        </InlineField>
      )}
      {metrics && (
        <InlineField label="Step" tooltip="Resolution of range metric queries, e.g. 1m or 5m. Empty: automatic.">
          <Input
            aria-label="Step"
            width={12}
            placeholder="auto"
            defaultValue={query.step ?? ''}
            key={`step-${query.step ?? ''}`}
            onBlur={(e) => onChange({ ...query, step: e.currentTarget.value.trim() || undefined })}
          />
        </InlineField>
      )}
      {query.queryType === 'metrics' && (
        <InlineField label="Instant" tooltip="Evaluate once, at the end of the time range.">
          <InlineSwitch
            aria-label="Instant"
            value={query.instant ?? false}
            onChange={(e) => onChange({ ...query, instant: e.currentTarget.checked || undefined })}
          />
        </InlineField>
      )}
    </InlineFieldRow>
  );
}

function parseLimit(text: string): number | undefined {
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
