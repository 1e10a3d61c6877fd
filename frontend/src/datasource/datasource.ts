import {
  AnnotationEvent,
  AnnotationQuery,
  AnnotationSupport,
  CoreApp,
  DataFrame,
  DataSourceInstanceSettings,
  ScopedVars,
  TimeRange,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { Observable, of } from 'rxjs';

import { translate } from '../api';
import { DEFAULT_QUERY, QuerentOptions, QuerentQuery, TranslateResponse } from '../types';
import { AnnotationEditor } from './QueryEditor/AnnotationEditor';
import { framesToAnnotations } from './annotations';

export class QuerentDataSource extends DataSourceWithBackend<QuerentQuery, QuerentOptions> {
  override annotations: AnnotationSupport<QuerentQuery> = {
    prepareAnnotation: (json: unknown) => prepareAnnotation(json),
    prepareQuery: (anno: AnnotationQuery<QuerentQuery>) => {
      const target = anno.target;
      if (!target?.question?.trim()) {
        return undefined;
      }
      return { ...target, refId: target.refId || 'Anno', queryType: 'annotations', editorMode: 'question' };
    },
    processEvents: (_anno: AnnotationQuery<QuerentQuery>, frames: DataFrame[]): Observable<AnnotationEvent[]> =>
      of(framesToAnnotations(frames)),
    QueryEditor: AnnotationEditor,
    getDefaultQuery: () => ({ question: '', queryType: 'annotations' }),
  };

  constructor(instanceSettings: DataSourceInstanceSettings<QuerentOptions>) {
    super(instanceSettings);
  }

  override getDefaultQuery(_app: CoreApp): Partial<QuerentQuery> {
    return DEFAULT_QUERY;
  }

  /** Queries with neither a question nor code are not sent. */
  override filterQuery(query: QuerentQuery): boolean {
    if (query.hide) {
      return false;
    }
    return activeText(query) !== '';
  }

  /**
   * Interpolates dashboard variables in the question and the code, and sends only what the active editor
   * wrote: a question in question mode (the backend translates it), the code in code mode.
   */
  override applyTemplateVariables(query: QuerentQuery, scopedVars: ScopedVars): QuerentQuery {
    const templateSrv = getTemplateSrv();
    const { question, expr, ...rest } = query;
    if (modeOf(query) === 'code') {
      return { ...rest, expr: templateSrv.replace(expr ?? '', scopedVars) };
    }
    return { ...rest, question: templateSrv.replace(question ?? '', scopedVars) };
  }

  override getQueryDisplayText(query: QuerentQuery): string {
    return activeText(query);
  }

  /** The preview of a question: the plan the backend would run, without running it. */
  translateQuestion(question: string, range?: TimeRange): Promise<TranslateResponse> {
    return translate(this, {
      question,
      from: range ? range.from.valueOf() : undefined,
      to: range ? range.to.valueOf() : undefined,
    });
  }
}

/** Which editor a stored query belongs to; queries saved before `editorMode` existed are inferred. */
export function modeOf(query: QuerentQuery): 'question' | 'code' {
  if (query.editorMode) {
    return query.editorMode;
  }
  return query.expr?.trim() && !query.question?.trim() ? 'code' : 'question';
}

function activeText(query: QuerentQuery): string {
  return (modeOf(query) === 'code' ? query.expr : query.question)?.trim() ?? '';
}

/** Annotations stored as a bare string or an old `{query: "..."}` object become a question target. */
function prepareAnnotation(json: unknown): AnnotationQuery<QuerentQuery> {
  const anno = (json ?? {}) as AnnotationQuery<QuerentQuery> & { query?: unknown };
  if (anno.target?.question !== undefined) {
    return anno;
  }
  const legacy = typeof anno.query === 'string' ? anno.query : '';
  return {
    ...anno,
    target: { refId: 'Anno', queryType: 'annotations', editorMode: 'question', question: legacy },
  };
}
