import { highlight, languageOf } from './highlight';

const classes = (text: string, lang: 'logql' | 'traceql') =>
  highlight(text, lang)
    .tokens.filter((t) => t.cls !== 'plain')
    .map((t) => `${t.cls}:${t.text}`);

describe('highlight', () => {
  it('classifies LogQL with the lezer grammar', () => {
    const q =
      'sum by (level) (count_over_time({service_name="order-service"} |= "timeout" | logfmt | status >= 500 [5m]))';
    expect(classes(q, 'logql')).toEqual([
      'keyword:sum',
      'keyword:by',
      'label:level',
      'keyword:count_over_time',
      'label:service_name',
      'operator:=',
      'string:"order-service"',
      'operator:|=',
      'string:"timeout"',
      'operator:|',
      'keyword:logfmt',
      'operator:|',
      'label:status',
      'operator:>=',
      'number:500',
      'number:5m',
    ]);
  });

  it('classifies TraceQL, with anonymous function names as functions', () => {
    const q = '{ resource.service.name = "product-service" && duration > 1s } | select(span.http.url)';
    expect(classes(q, 'traceql')).toEqual([
      'keyword:resource',
      'label:service.name',
      'operator:=',
      'string:"product-service"',
      'operator:&&',
      'label:duration',
      'operator:>',
      'number:1s',
      'operator:|',
      'function:select',
      'keyword:span',
      'label:http.url',
    ]);
  });

  it('keeps every character of the query, in order', () => {
    const q = '{a="b"} |= `x` != "y"  # note';
    expect(
      highlight(q, 'logql')
        .tokens.map((t) => t.text)
        .join('')
    ).toBe(q);
  });

  it('reports where an unfinished query breaks', () => {
    expect(highlight('{a="b" |= ', 'logql').errorAt).toBeDefined();
    expect(highlight('{a="b"}', 'logql').errorAt).toBeUndefined();
  });

  it('leaves trace ids and empty text plain', () => {
    expect(highlight('0af7651916cd43dd8448eb211c80319c', 'plain').tokens).toEqual([
      { text: '0af7651916cd43dd8448eb211c80319c', cls: 'plain' },
    ]);
    expect(highlight('', 'logql').tokens).toEqual([]);
  });

  it('picks the grammar from the query type', () => {
    expect(languageOf('logs')).toBe('logql');
    expect(languageOf('correlate')).toBe('logql');
    expect(languageOf(undefined)).toBe('logql');
    expect(languageOf('traces')).toBe('traceql');
    expect(languageOf('trace_metrics')).toBe('traceql');
    expect(languageOf('trace')).toBe('plain');
  });
});
