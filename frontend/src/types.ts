/**
 * The shapes the frontend shares with the backend (see docs/architecture.md). Query field names are declared
 * here and nowhere else.
 */
import { DataQuery, DataSourceJsonData } from '@grafana/schema';

// ---------------------------------------------------------------------------------------------------------
// Query model (QueryData `query` JSON)
// ---------------------------------------------------------------------------------------------------------

/** What a query runs as; absent when the question decides. `annotations` is used by annotation queries. */
export type QueryType = 'logs' | 'metrics' | 'traces' | 'trace_metrics' | 'trace' | 'correlate' | 'annotations';

/** Which editor wrote the query: a plain-language question, or LogQL/TraceQL/a trace id as code. */
export type EditorMode = 'question' | 'code';

/** What the previous question of an Ask thread was taken to mean (sent with follow-up questions). */
export interface FollowUpContext {
  question: string;
  plan?: Plan;
}

export interface QuerentQuery extends DataQuery {
  queryType?: QueryType;
  /** Plain-language question; translated by the backend before it runs. */
  question?: string;
  /** Raw LogQL / TraceQL / trace id; runs as written. */
  expr?: string;
  /** Line or trace limit. */
  limit?: number;
  /** Step of range metric queries, e.g. `5m`. */
  step?: string;
  /** Instant metric query evaluated at the end of the range. */
  instant?: boolean;
  /** Groups the questions of one conversation (Ask thread, later MCP sessions). */
  sessionId?: string;
  /** The previous question of the same thread and its plan, for follow-up questions. */
  context?: FollowUpContext;
  /** Frontend only: which editor is active. The backend ignores it; `applyTemplateVariables` uses it. */
  editorMode?: EditorMode;
}

export const DEFAULT_QUERY: Partial<QuerentQuery> = {
  editorMode: 'question',
  question: '',
};

// ---------------------------------------------------------------------------------------------------------
// Datasource settings (jsonData / secureJsonData)
// ---------------------------------------------------------------------------------------------------------

export type AuthMode = 'none' | 'basic' | 'bearer';
export type LlmProvider = 'none' | 'openai' | 'azure' | 'openai-compatible' | 'grafana-llm-app';
export type LlmPrivacy = 'off' | 'metadata' | 'redacted' | 'full';
export type Peer = 'loki' | 'tempo';

export interface QuerentOptions extends DataSourceJsonData {
  lokiUrl?: string;
  tempoUrl?: string;
  /** Frontend only: the Grafana Loki datasource the URL was copied from. */
  lokiDatasourceUid?: string;
  /** Frontend only: the Grafana Tempo datasource the URL was copied from. */
  tempoDatasourceUid?: string;
  lokiAuth?: AuthMode;
  tempoAuth?: AuthMode;
  lokiUser?: string;
  tempoUser?: string;
  lokiTenant?: string;
  tempoTenant?: string;
  timeoutSeconds?: number;
  maxLines?: number;
  maxTraces?: number;
  llmProvider?: LlmProvider;
  llmBaseUrl?: string;
  llmModel?: string;
  llmTimeoutSeconds?: number;
  llmPrivacy?: LlmPrivacy;
  llmMaxTokens?: number;
  llmTemperature?: number;
  /** Extra header names: `lokiHeaderName1`, `tempoHeaderName2`, `llmHeaderName1`, ... */
  [headerName: `${HeaderOwner}HeaderName${number}`]: string | undefined;
}

export type HeaderOwner = Peer | 'llm';

export interface QuerentSecureJsonData {
  lokiPassword?: string;
  lokiToken?: string;
  tempoPassword?: string;
  tempoToken?: string;
  llmApiKey?: string;
  /** Values of the extra headers: `lokiHeaderValue1`, ... */
  [headerValue: `${HeaderOwner}HeaderValue${number}`]: string | undefined;
}

/** Every secret key the config editor may write (all go to secureJsonData only). */
export type SecureKey = keyof QuerentSecureJsonData;

// ---------------------------------------------------------------------------------------------------------
// Resource payloads (CallResource routes)
// ---------------------------------------------------------------------------------------------------------

export type PlanKind = 'logs' | 'metrics' | 'traces' | 'trace_metrics' | 'correlate' | 'trace' | 'clarify';

/** The `translate --json` contract object. */
export interface Plan {
  kind: PlanKind;
  query?: string;
  start?: string;
  end: string;
  instant?: boolean;
  step?: string;
  limit?: number;
  reason?: string;
  suggestions?: string[];
}

/** One piece of the question and what it was taken to mean (shown as chips). */
export interface Understood {
  what: string;
  text: string;
  meaning: string;
}

export type TimeSource = 'question' | 'dashboard' | 'default';

export interface TranslateRequest {
  question: string;
  /** Epoch milliseconds of the editor's time range. */
  from?: number;
  to?: number;
  tz?: string;
}

export interface TranslateResponse {
  plan: Plan;
  understood: Understood[];
  timeSource: TimeSource;
}

export interface ServiceInfo {
  name: string;
  sources: Peer[];
}

export interface ServicesResponse {
  services: ServiceInfo[];
}

export interface ExamplesResponse {
  examples: string[];
}

export interface LabelsResponse {
  labels: string[];
}

export interface LabelValuesResponse {
  values: string[];
}

/** How a diagnosis hypothesis says the failure happens (docs/architecture.md, "Diagnosis"). */
export type Cause =
  | 'connection_pool_exhausted'
  | 'timeout'
  | 'connection_failed'
  | 'rate_limited'
  | 'resource_exhausted'
  | 'auth_failure'
  | 'not_found'
  | 'server_error'
  | 'latency'
  | 'unknown';

export type Confidence = 'high' | 'medium' | 'low';

/** What a failing client span talks to. */
export interface Dependency {
  name: string;
  kind: 'database' | 'external' | 'service' | 'queue';
  /** `postgresql`, `kafka`, ... */
  system?: string;
  /** The host it was called at, when that differs from the name. */
  address?: string;
}

/** The deepest error span of a hypothesis' traces (the service that failed first). */
export interface FailingSpan {
  service: string;
  name: string;
  kind?: string;
  statusMessage?: string;
  error?: boolean;
  attributes?: Record<string, string>;
  durationMsMin?: number;
  durationMsMax?: number;
}

/**
 * One explanation of a diagnosis (`correlate`) answer. Only `title` is sure to be there: older answers and
 * other producers send less, so every other field is optional and the UI shows what it gets.
 */
export interface Hypothesis {
  title: string;
  /** `H1`, `H2`, ...: what the summary and the evidence refer to. */
  id?: string;
  rank?: number;
  /** Where the failure starts. */
  service?: string;
  /** A `Cause`; unknown words are shown as they come. */
  cause?: Cause | string;
  basis?: 'traces' | 'log_chain' | 'log_lines' | string;
  dependency?: Dependency;
  /** Share of the lines explained, 0..1. */
  score?: number;
  confidence?: Confidence | string;
  start?: string;
  end?: string;
  lines?: number;
  traces?: number;
  /** Example traces (at most 5), 32 hex. */
  traceIds?: string[];
  failingSpan?: FailingSpan;
  /** The callers the failure reaches, nearest first. */
  upstreamServices?: string[];
  /** `["[E3] ...", ...]`. */
  evidence?: string[] | string;
  evidenceIds?: string[];
}

export interface DiagnoseRequest {
  question?: string;
  service?: string;
  from: number;
  to: number;
}

export interface DiagnoseResponse {
  summary: string;
  hypotheses: Hypothesis[];
  stats?: KeyNumber[];
  notices?: Array<string | AnswerNotice>;
  summarySource?: SummarySource;
}

/** A number worth showing on its own (answer panel), e.g. `{label: "error lines", value: 42}`. */
export interface KeyNumber {
  label: string;
  value: number;
  unit?: string;
}

/** `meta.custom` of every frame answering a question. */
export interface AnswerMeta {
  question: string;
  plan: Plan;
  understood: Understood[];
  timeSource: TimeSource;
  summary?: string;
  hypotheses?: Hypothesis[];
  stats?: KeyNumber[];
  /** Who wrote `summary`: the LLM (from the evidence) or the template. */
  summarySource?: SummarySource;
  /** What the LLM did for this answer; present only when an LLM is configured. */
  llm?: LlmUse;
  /** Problems the answer has (traces not fetched, ...): plain sentences or Grafana notices. */
  notices?: Array<string | AnswerNotice>;
}

export type SummarySource = 'llm' | 'template';

/** `meta.custom.llm` (docs/architecture.md, "Frames"). */
export interface LlmUse {
  configured: boolean;
  /** The LLM's plan is the one that ran. */
  translated: boolean;
  model?: string;
  /** Why the rules' answer was kept although the LLM was asked. */
  note?: string;
  summarySource?: SummarySource;
  /** Evidence ids the LLM's summary cites. */
  cited?: string[];
  /** Why the template summary is shown instead of the LLM's. */
  summaryNote?: string;
}

/** Grafana's frame notice shape (`meta.notices`). */
export interface AnswerNotice {
  severity: 'info' | 'warning' | 'error' | string;
  text: string;
}
