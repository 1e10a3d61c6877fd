import { render, screen } from '@testing-library/react';

import { SummaryOrigin } from './SummaryOrigin';

describe('SummaryOrigin', () => {
  it('says which model wrote an LLM summary', () => {
    render(
      <SummaryOrigin
        meta={{ summarySource: 'llm', llm: { configured: true, translated: false, model: 'qwen2.5-coder:0.5b' } }}
      />
    );
    expect(screen.getByLabelText('Summary written by qwen2.5-coder:0.5b')).toHaveTextContent(
      'written by qwen2.5-coder:0.5b'
    );
    expect(screen.queryByLabelText(/^Query written by/)).not.toBeInTheDocument();
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
  });

  it('says "the LLM" when the model is not named, and marks a query the LLM wrote', () => {
    render(<SummaryOrigin meta={{ summarySource: 'llm', llm: { configured: true, translated: true } }} />);
    expect(screen.getByLabelText('Summary written by the LLM')).toHaveTextContent('written by the LLM');
    expect(screen.getByLabelText('Query written by the LLM')).toHaveTextContent('query by the LLM');
  });

  it('shows why the template summary is shown, and why the rules kept the query, as muted notes', () => {
    const summaryNote =
      'The LLM summary is not shown (it named a service not in the evidence: billing-service); this is the template summary.';
    const note = 'The LLM asked to clarify; the rules\u2019 answer is shown.';
    render(
      <SummaryOrigin
        meta={{
          summarySource: 'template',
          llm: { configured: true, translated: false, model: 'gpt-4o', summaryNote, note },
        }}
      />
    );
    const notes = screen.getAllByRole('note');
    expect(notes.map((n) => n.textContent)).toEqual([summaryNote, note]);
    expect(screen.queryByLabelText(/written by/)).not.toBeInTheDocument();
  });

  it('shows nothing for a template summary without notes (no LLM configured)', () => {
    const { container, rerender } = render(<SummaryOrigin meta={{ summarySource: 'template' }} />);
    expect(container).toBeEmptyDOMElement();
    rerender(<SummaryOrigin meta={{ summarySource: 'template', llm: { configured: true, translated: false } }} />);
    expect(container).toBeEmptyDOMElement();
    rerender(<SummaryOrigin />);
    expect(container).toBeEmptyDOMElement();
  });
});
