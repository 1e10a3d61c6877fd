/** Test ids for the few elements that have no role, label or text to find them by (unit and browser tests). */
export const testIds = {
  queryEditor: {
    container: 'querent-query-editor',
    preview: 'querent-query-preview',
    previewQuery: 'querent-preview-query',
    codeField: 'querent-code-field',
  },
  ask: {
    page: 'querent-ask-page',
    turn: 'querent-ask-turn',
    summary: 'querent-ask-summary',
    results: 'querent-ask-results',
  },
  panel: {
    container: 'querent-answer-panel',
    numbers: 'querent-answer-numbers',
  },
};
