import {
  CoreApp,
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  dateTime,
  getDefaultTimeRange,
  rangeUtil,
  TimeRange,
} from '@grafana/data';
import { useCallback, useRef, useState } from 'react';
import { lastValueFrom, Observable } from 'rxjs';

import { errorMessage } from '../../api';
import { answerMetaOf } from '../../components/answerMeta';
import { addToHistory } from '../../components/history';
import { AnswerMeta, QuerentQuery } from '../../types';

export interface Turn {
  id: number;
  question: string;
  status: 'loading' | 'done' | 'error';
  frames: DataFrame[];
  meta?: AnswerMeta;
  error?: string;
  range: TimeRange;
  /** The query as sent, for "Open in Explore". */
  query: QuerentQuery;
}

/** Anything that runs Querent queries the way Grafana does (the datasource's normal query path). */
export interface QueryRunner {
  uid: string;
  query(request: DataQueryRequest<QuerentQuery>): Observable<DataQueryResponse>;
}

/**
 * One conversation on the Ask page: each question runs through the datasource's query path (QueryData), and a
 * follow-up carries the previous question and its plan plus the thread's session id.
 */
export function useAsk(runner: QueryRunner | undefined, relativeRange: string) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const sessionId = useRef(newSessionId());
  const nextId = useRef(1);

  const ask = useCallback(
    async (question: string) => {
      const q = question.trim();
      if (!runner || !q) {
        return;
      }
      addToHistory(q);
      const id = nextId.current++;
      const previous = [...turns].reverse().find((t) => t.status === 'done' && t.meta);
      const query: QuerentQuery = {
        refId: 'A',
        question: q,
        editorMode: 'question',
        sessionId: sessionId.current,
        ...(previous ? { context: { question: previous.question, plan: previous.meta?.plan } } : {}),
      };
      const range = rangeOf(relativeRange);
      setTurns((ts) => [...ts, { id, question: q, status: 'loading', frames: [], range, query }]);

      let update: Partial<Turn>;
      try {
        const response = await lastValueFrom(runner.query(buildRequest(query, range, id)));
        const frames = response.data as DataFrame[];
        const failure = response.error ?? response.errors?.[0];
        update = failure
          ? { status: 'error', frames, error: failure.message || failure.data?.message || 'The query failed' }
          : { status: 'done', frames, meta: answerMetaOf(frames) };
      } catch (err) {
        update = { status: 'error', error: errorMessage(err) };
      }
      setTurns((ts) => ts.map((t) => (t.id === id ? { ...t, ...update } : t)));
    },
    [runner, turns, relativeRange]
  );

  const reset = useCallback(() => {
    setTurns([]);
    sessionId.current = newSessionId();
  }, []);

  return { turns, ask, reset, sessionId: sessionId.current };
}

function rangeOf(relative: string): TimeRange {
  try {
    return rangeUtil.convertRawToRange({ from: relative, to: 'now' });
  } catch {
    return getDefaultTimeRange();
  }
}

function buildRequest(query: QuerentQuery, range: TimeRange, id: number): DataQueryRequest<QuerentQuery> {
  return {
    app: CoreApp.Unknown,
    requestId: `querent-ask-${id}`,
    interval: '1m',
    intervalMs: 60_000,
    maxDataPoints: 1000,
    range,
    rangeRaw: range.raw,
    scopedVars: {},
    targets: [query],
    timezone: 'utc',
    startTime: dateTime().valueOf(),
  };
}

function newSessionId(): string {
  const rnd = globalThis.crypto?.randomUUID?.();
  return rnd ?? `s-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
