import { Field, TextArea } from '@grafana/ui';
import { KeyboardEvent } from 'react';

import { PreviewState, QueryPreview } from '../../components/QueryPreview';
import { applySuggestion } from '../../components/suggestions';
import { TranslateResponse } from '../../types';

interface Props {
  question: string;
  /** The live preview of the question (see useTranslate). */
  preview: PreviewState;
  onChange: (question: string) => void;
  onRun: () => void;
  onEditAsCode?: (preview: TranslateResponse) => void;
  placeholder?: string;
}

/** The plain-language box (Enter runs, Shift+Enter adds a line) and the live preview of its query. */
export function QuestionEditor({ question, preview, onChange, onRun, onEditAsCode, placeholder }: Props) {
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      onRun();
    }
  };

  const reason = preview.status === 'done' ? preview.response.plan.reason : undefined;

  return (
    <>
      <Field
        label="Question"
        description="Ask about your logs and traces in English or Korean. Enter runs, Shift+Enter adds a line."
        noMargin
      >
        <TextArea
          value={question}
          rows={2}
          placeholder={placeholder ?? 'e.g. error logs from order-service in the last 3 hours'}
          onChange={(e) => onChange(e.currentTarget.value)}
          onKeyDown={onKeyDown}
        />
      </Field>
      <QueryPreview
        state={preview}
        onPickSuggestion={(s) => onChange(applySuggestion(question, s, reason))}
        onEditAsCode={onEditAsCode}
      />
    </>
  );
}
