import { AnnotationQuery, QueryEditorProps } from '@grafana/data';

import { QuerentOptions, QuerentQuery } from '../../types';
import type { QuerentDataSource } from '../datasource';
import { QuestionEditor } from './QuestionEditor';

type Props = QueryEditorProps<QuerentDataSource, QuerentQuery, QuerentOptions> & {
  annotation?: AnnotationQuery<QuerentQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<QuerentQuery>) => void;
};

/** Annotation queries in plain language ("payment-service error spikes"), previewed like any question. */
export function AnnotationEditor({ query, onChange, onRunQuery, datasource, range }: Props) {
  return (
    <QuestionEditor
      datasource={datasource}
      question={query.question ?? ''}
      range={range}
      placeholder="e.g. payment-service error spikes, or order-service 500s"
      onChange={(question) => onChange({ ...query, question, queryType: 'annotations', editorMode: 'question' })}
      onRun={onRunQuery}
    />
  );
}
