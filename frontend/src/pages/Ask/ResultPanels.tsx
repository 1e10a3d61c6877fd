import { DataFrame, LoadingState, TimeRange } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { Stack } from '@grafana/ui';
import { useMemo, useRef } from 'react';

import { testIds } from '../../components/testIds';
import { groupByVisualisation } from '../../components/visualisation';
import { useWidth } from './useWidth';

interface Props {
  frames: DataFrame[];
  range: TimeRange;
}

/** The result frames, each kind in Grafana's own visualisation (logs, trace, time series, table). */
export function ResultPanels({ frames, range }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useWidth(ref);
  const groups = useMemo(() => groupByVisualisation(frames), [frames]);
  if (groups.length === 0) {
    return <div ref={ref}>No results in this time range.</div>;
  }
  return (
    <div ref={ref} data-testid={testIds.ask.results}>
      <Stack direction="column" gap={2}>
        {groups.map((g) => (
          <section key={g.pluginId} aria-label={`${g.title} results`}>
            <PanelRenderer
              title={g.title}
              pluginId={g.pluginId}
              width={width}
              height={g.height}
              data={{ series: g.frames, state: LoadingState.Done, timeRange: range }}
              options={g.pluginId === 'logs' ? { showTime: true, wrapLogMessage: true, sortOrder: 'Descending' } : {}}
            />
          </section>
        ))}
      </Stack>
    </div>
  );
}
