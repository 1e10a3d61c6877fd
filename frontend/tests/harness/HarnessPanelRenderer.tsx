/**
 * Stands in for Grafana core's PanelRenderer, which only exists inside a running Grafana: time series are drawn
 * with @grafana/ui's TimeSeries, every other frame (logs, trace search) with @grafana/ui's Table, each in
 * Grafana's PanelChrome.
 */
import { applyFieldOverrides, DataFrame, FieldColorModeId } from '@grafana/data';
import { PanelRendererProps } from '@grafana/runtime';
import { LegendDisplayMode } from '@grafana/schema';
import { PanelChrome, Table, TimeSeries, useTheme2 } from '@grafana/ui';

export function HarnessPanelRenderer({ pluginId, title, data, width, height }: PanelRendererProps) {
  const theme = useTheme2();
  const frames = applyFieldOverrides({
    data: data?.series ?? [],
    fieldConfig: { defaults: { color: { mode: FieldColorModeId.PaletteClassic } }, overrides: [] },
    replaceVariables: (s) => s,
    theme,
    timeZone: 'utc',
  });
  return (
    <PanelChrome title={`${title} (${pluginId})`} width={width} height={height}>
      {(innerWidth, innerHeight) =>
        pluginId === 'timeseries' ? (
          <TimeSeries
            frames={frames}
            width={innerWidth}
            height={innerHeight}
            timeRange={data!.timeRange}
            timeZone="utc"
            legend={{ displayMode: LegendDisplayMode.List, placement: 'bottom', showLegend: true, calcs: [] }}
          />
        ) : (
          <Table data={asOneTable(frames)} width={innerWidth} height={innerHeight} />
        )
      }
    </PanelChrome>
  );
}

/** Log streams come as one frame per stream; a table shows them together, newest first. */
function asOneTable(frames: DataFrame[]): DataFrame {
  if (frames.length === 1) {
    return frames[0];
  }
  const names = frames[0].fields.map((f) => f.name);
  const rows: unknown[][] = [];
  for (const frame of frames) {
    for (let i = 0; i < frame.length; i++) {
      rows.push(names.map((n) => frame.fields.find((f) => f.name === n)?.values[i]));
    }
  }
  const t = names.indexOf('timestamp');
  if (t >= 0) {
    rows.sort((a, b) => Number(b[t]) - Number(a[t]));
  }
  return {
    ...frames[0],
    length: rows.length,
    fields: frames[0].fields.map((f, c) => ({ ...f, labels: undefined, values: rows.map((r) => r[c]) })),
  };
}
