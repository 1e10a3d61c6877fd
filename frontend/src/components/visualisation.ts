/**
 * Which of Grafana's own visualisations shows which frames: logs, traces, time series or a table, from the
 * frame's `meta.preferredVisualisationType` and, failing that, its fields.
 */
import { DataFrame, FieldType } from '@grafana/data';

export type PanelKind = 'logs' | 'traces' | 'timeseries' | 'table';

export interface PanelGroup {
  pluginId: PanelKind;
  title: string;
  frames: DataFrame[];
  height: number;
}

const ORDER: PanelKind[] = ['timeseries', 'logs', 'traces', 'table'];
const TITLES: Record<PanelKind, string> = { logs: 'Logs', traces: 'Trace', timeseries: 'Time series', table: 'Table' };
const HEIGHTS: Record<PanelKind, number> = { logs: 420, traces: 560, timeseries: 280, table: 300 };

export function panelKindOf(frame: DataFrame): PanelKind {
  switch (frame.meta?.preferredVisualisationType) {
    case 'logs':
      return 'logs';
    case 'trace':
      return 'traces';
    case 'table':
      return 'table';
    case 'graph':
      return 'timeseries';
  }
  const hasTime = frame.fields.some((f) => f.type === FieldType.time);
  const hasNumber = frame.fields.some((f) => f.type === FieldType.number);
  return hasTime && hasNumber ? 'timeseries' : 'table';
}

/** Frames grouped by visualisation, time series first, then logs, traces and tables. Empty frames are left out. */
export function groupByVisualisation(frames: DataFrame[]): PanelGroup[] {
  const groups = new Map<PanelKind, DataFrame[]>();
  for (const frame of frames) {
    if (frame.length === 0 && frame.fields.every((f) => f.values.length === 0)) {
      continue;
    }
    const kind = panelKindOf(frame);
    groups.set(kind, [...(groups.get(kind) ?? []), frame]);
  }
  return ORDER.filter((k) => groups.has(k)).map((k) => ({
    pluginId: k,
    title: k === 'table' && groups.get(k)?.[0]?.name === 'traces' ? 'Traces' : TITLES[k],
    frames: groups.get(k) ?? [],
    height: HEIGHTS[k],
  }));
}
