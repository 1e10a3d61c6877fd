/** Links into Grafana's Explore with a Querent query and time range, so the full answer is one click away. */
import { TimeRange, urlUtil } from '@grafana/data';
import { config } from '@grafana/runtime';

import { DATASOURCE_TYPE } from '../constants';
import { QuerentQuery } from '../types';

export function exploreUrl(datasourceUid: string, queries: QuerentQuery[], range?: TimeRange): string {
  const pane = {
    datasource: datasourceUid,
    queries: queries.map((q, i) => ({
      ...q,
      refId: q.refId || String.fromCharCode(65 + i),
      datasource: { type: DATASOURCE_TYPE, uid: datasourceUid },
    })),
    range: range
      ? { from: String(range.from.valueOf()), to: String(range.to.valueOf()) }
      : { from: 'now-1h', to: 'now' },
  };
  const url = urlUtil.renderUrl('/explore', { schemaVersion: 1, panes: JSON.stringify({ querent: pane }), orgId: 1 });
  return `${config.appSubUrl ?? ''}${url}`;
}

/** Explore with this datasource showing one trace (`{queryType: "trace", expr: <id>}`, as the trace links do). */
export function traceExploreUrl(datasourceUid: string, traceId: string, range?: TimeRange): string {
  return exploreUrl(datasourceUid, [{ refId: 'A', queryType: 'trace', expr: padTraceId(traceId) }], range);
}

/** Tempo's search drops leading zeros of trace ids; Querent's ids are 32 hex. */
export function padTraceId(id: string): string {
  return /^[0-9a-f]{1,31}$/i.test(id) ? id.padStart(32, '0') : id;
}
