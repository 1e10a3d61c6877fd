import { AnnotationQuery, QueryEditorProps } from '@grafana/data';

import { QuerentOptions, QuerentQuery } from '../../types';
import type { QuerentDataSource } from '../datasource';
import { QuestionEditor } from './QuestionEditor';
import { useTranslate } from './useTranslate';

type Props = QueryEditorProps<QuerentDataSource, QuerentQuery, QuerentOptions> & {
  annotation?: AnnotationQuery<QuerentQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<QuerentQuery>) => void;
};

/** Annotation queries in plain language ("payment-service error spikes"), previewed like any question. */
export function AnnotationEditor({ query, onChange, onRunQuery, datasource, range }: Props) {
  const preview = useTranslate(datasource, query.question ?? '', range);
  return (
    <QuestionEditor
      question={query.question ?? ''}
      preview={preview}
      placeholder="e.g. payment-service error spikes, or order-service 500s"
      onChange={(question) => onChange({ ...query, question, queryType: 'annotations', editorMode: 'question' })}
      onRun={onRunQuery}
    />
  );
}
