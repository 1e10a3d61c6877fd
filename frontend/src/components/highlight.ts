/**
 * Syntax highlighting for LogQL and TraceQL with Grafana's own lezer grammars: the query is parsed and every
 * leaf of the syntax tree becomes a token with a class; text between leaves (braces, commas, function names
 * the grammar keeps anonymous) stays plain, except words followed by `(`, which are functions.
 */
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';

export type QueryLanguage = 'logql' | 'traceql' | 'plain';

export type TokenClass = 'string' | 'number' | 'label' | 'operator' | 'keyword' | 'function' | 'plain';

export interface Token {
  text: string;
  cls: TokenClass;
}

export interface Highlighted {
  tokens: Token[];
  /** Offset of the first syntax error, if the grammar found one. */
  errorAt?: number;
}

const NUMBER_NODES = new Set(['Number', 'Integer', 'Float', 'Duration', 'Bytes', 'Static']);
const LABEL_NODES = new Set(['Identifier', 'LabelName', 'IntrinsicField', 'AttributeField', 'GroupingLabel']);
const OPERATOR_NODES = new Set([
  'Eq',
  'Neq',
  'Re',
  'Nre',
  'Gtr',
  'Gte',
  'Lss',
  'Lte',
  'Eql',
  'Pipe',
  'PipeExact',
  'PipeMatch',
  'PipePattern',
  'Npa',
  'FieldOp',
  'And',
  'Or',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Mod',
  'Pow',
  'ComparisonOp',
  'ScalarOp',
  'Desc',
  'Anc',
  'Gt',
  'Lt',
  'Unless',
]);

/** Which grammar a query type uses. */
export function languageOf(queryType: string | undefined): QueryLanguage {
  switch (queryType) {
    case 'traces':
    case 'trace_metrics':
      return 'traceql';
    case 'trace':
      return 'plain';
    default:
      return 'logql';
  }
}

export function highlight(text: string, language: QueryLanguage): Highlighted {
  if (language === 'plain' || text === '') {
    return { tokens: text ? [{ text, cls: 'plain' }] : [] };
  }
  const parser = language === 'logql' ? logqlParser : traceqlParser;
  const tree = parser.parse(text);
  const tokens: Token[] = [];
  let pos = 0;
  let errorAt: number | undefined;

  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        errorAt = errorAt ?? node.from;
        return;
      }
      if (node.node.firstChild || node.from === node.to || node.from < pos) {
        return;
      }
      if (node.from > pos) {
        pushGap(tokens, text.slice(pos, node.from));
      }
      tokens.push({ text: text.slice(node.from, node.to), cls: classOf(node.name) });
      pos = node.to;
    },
  });
  if (pos < text.length) {
    pushGap(tokens, text.slice(pos));
  }
  return { tokens, errorAt };
}

function classOf(name: string): TokenClass {
  if (name === 'String') {
    return 'string';
  }
  if (NUMBER_NODES.has(name)) {
    return 'number';
  }
  if (LABEL_NODES.has(name)) {
    return 'label';
  }
  if (OPERATOR_NODES.has(name)) {
    return 'operator';
  }
  return 'keyword';
}

/** Text the grammar does not name: plain, but `word(` is a function call. */
function pushGap(tokens: Token[], gap: string) {
  const re = /[A-Za-z_][A-Za-z0-9_]*(?=\s*\()/g;
  let last = 0;
  for (let m = re.exec(gap); m !== null; m = re.exec(gap)) {
    if (m.index > last) {
      tokens.push({ text: gap.slice(last, m.index), cls: 'plain' });
    }
    tokens.push({ text: m[0], cls: 'function' });
    last = m.index + m[0].length;
  }
  if (last < gap.length) {
    tokens.push({ text: gap.slice(last), cls: 'plain' });
  }
}
