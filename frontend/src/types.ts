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

export interface Hypothesis {
  title: string;
  service?: string;
  evidence?: string[] | string;
  score?: number;
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
}
