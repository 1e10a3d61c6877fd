import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { RadioButtonGroup, Stack } from '@grafana/ui';

import { HistoryButton } from '../../components/HistoryButton';
import { addToHistory } from '../../components/history';
import { testIds } from '../../components/testIds';
import { EditorMode, QuerentOptions, QuerentQuery, TranslateResponse } from '../../types';
import { modeOf, QuerentDataSource } from '../datasource';
import { QueryOptions } from './QueryOptions';
import { QuestionEditor } from './QuestionEditor';
import { RawQueryEditor } from './RawQueryEditor';
import { toCodeQuery } from './toCode';
import { useTranslate } from './useTranslate';

export type Props = QueryEditorProps<QuerentDataSource, QuerentQuery, QuerentOptions>;

const MODES: Array<SelectableValue<EditorMode>> = [
  { label: 'Question', value: 'question', icon: 'comment-alt' },
  { label: 'Code', value: 'code', icon: 'brackets-curly' },
];

/** Explore and panel editor: a question with a live preview, or the query as code. */
export function QueryEditor({ query, onChange, onRunQuery, datasource, range, history }: Props) {
  const mode = modeOf(query);
  const preview = useTranslate(datasource, mode === 'question' ? (query.question ?? '') : '', range);

  const run = () => {
    if (mode === 'question' && query.question) {
      addToHistory(query.question);
    }
    onRunQuery();
  };

  /**
   * Question → code takes the query the preview shows (with its kind, limit and step), so the generated query
   * is what gets edited; without a preview the code written before is kept. Code → question keeps both texts.
   */
  const switchMode = (next: EditorMode, chosen?: TranslateResponse) => {
    if (next === 'question') {
      if (mode !== 'question') {
        onChange({ ...query, editorMode: 'question' });
      }
      return;
    }
    const generated = chosen ?? (preview.status === 'done' ? preview.response : undefined);
    if (mode === 'code' && !chosen) {
      return;
    }
    onChange(toCodeQuery(query, generated));
  };

  const pickFromHistory = (question: string) => {
    onChange({ ...query, editorMode: 'question', question });
    addToHistory(question);
    onRunQuery();
  };

  const known = (history ?? []).map((h) => h.query?.question).filter((q): q is string => typeof q === 'string');

  return (
    <div data-testid={testIds.queryEditor.container}>
      <Stack direction="column" gap={1}>
        <Stack direction="row" justifyContent="space-between" alignItems="center">
          <RadioButtonGroup<EditorMode> size="sm" options={MODES} value={mode} onChange={(m) => switchMode(m)} />
          <HistoryButton extra={known} onPick={pickFromHistory} />
        </Stack>
        {mode === 'question' ? (
          <QuestionEditor
            question={query.question ?? ''}
            preview={preview}
            onChange={(question) => onChange({ ...query, question })}
            onRun={run}
            onEditAsCode={(response) => switchMode('code', response)}
          />
        ) : (
          <>
            <RawQueryEditor query={query} onChange={onChange} onRun={run} />
            <QueryOptions query={query} onChange={onChange} />
          </>
        )}
      </Stack>
    </div>
  );
}
