import { TimeRange } from '@grafana/data';
import { useEffect, useRef, useState } from 'react';

import { errorMessage } from '../../api';
import { PreviewState } from '../../components/QueryPreview';
import { PREVIEW_DEBOUNCE_MS } from '../../constants';
import { TranslateResponse } from '../../types';

interface Translator {
  translateQuestion(question: string, range?: TimeRange): Promise<TranslateResponse>;
}

/**
 * The backend's plan for a question while it is typed: asks `translate` once typing pauses, keeps the last
 * answer visible while a newer one loads, and drops answers to questions that are no longer current.
 */
export function useTranslate(
  ds: Translator,
  question: string,
  range?: TimeRange,
  delayMs = PREVIEW_DEBOUNCE_MS
): PreviewState {
  const [state, setState] = useState<PreviewState>({ status: 'idle' });
  const seq = useRef(0);
  const from = range?.from.valueOf();
  const to = range?.to.valueOf();
  // the range object may change identity on every render; only its bounds matter
  const rangeRef = useRef(range);
  rangeRef.current = range;

  useEffect(() => {
    const q = question.trim();
    const id = ++seq.current;
    if (!q) {
      setState({ status: 'idle' });
      return;
    }
    setState((prev) => ({ status: 'loading', previous: prev.status === 'done' ? prev.response : undefined }));
    const timer = setTimeout(() => {
      ds.translateQuestion(q, rangeRef.current).then(
        (response) => id === seq.current && setState({ status: 'done', response }),
        (err: unknown) => id === seq.current && setState({ status: 'error', message: errorMessage(err) })
      );
    }, delayMs);
    return () => clearTimeout(timer);
  }, [ds, question, from, to, delayMs]);

  return state;
}
