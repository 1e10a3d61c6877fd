/**
 * Typed calls to the datasource's resource routes (docs/architecture.md, "Resource routes"), one function per
 * route. Each takes anything with the resource methods of `DataSourceWithBackend`, so tests and the app pages
 * pass the real datasource and mock the network with `setBackendSrv`.
 */
import { DataSourceWithBackend } from '@grafana/runtime';

import {
  DiagnoseRequest,
  DiagnoseResponse,
  ExamplesResponse,
  LabelsResponse,
  LabelValuesResponse,
  ServicesResponse,
  TranslateRequest,
  TranslateResponse,
} from './types';

export type ResourceClient = Pick<DataSourceWithBackend, 'getResource' | 'postResource'>;

export function translate(ds: ResourceClient, request: TranslateRequest): Promise<TranslateResponse> {
  return ds.postResource<TranslateResponse>('translate', request, { showErrorAlert: false });
}

export function fetchServices(ds: ResourceClient): Promise<ServicesResponse> {
  return ds.getResource<ServicesResponse>('services', undefined, { showErrorAlert: false });
}

export function fetchExamples(ds: ResourceClient): Promise<ExamplesResponse> {
  return ds.getResource<ExamplesResponse>('examples', undefined, { showErrorAlert: false });
}

export function fetchLabels(ds: ResourceClient, from?: number, to?: number): Promise<LabelsResponse> {
  return ds.getResource<LabelsResponse>('labels', rangeParams(from, to), { showErrorAlert: false });
}

export function fetchLabelValues(
  ds: ResourceClient,
  name: string,
  from?: number,
  to?: number
): Promise<LabelValuesResponse> {
  return ds.getResource<LabelValuesResponse>(`label/${encodeURIComponent(name)}/values`, rangeParams(from, to), {
    showErrorAlert: false,
  });
}

export function diagnose(ds: ResourceClient, request: DiagnoseRequest): Promise<DiagnoseResponse> {
  return ds.postResource<DiagnoseResponse>('diagnose', request, { showErrorAlert: false });
}

function rangeParams(from?: number, to?: number): Record<string, number> | undefined {
  if (from === undefined || to === undefined) {
    return undefined;
  }
  return { start: from, end: to };
}

/**
 * A sentence for the user from whatever a failed call threw: the backend's `{ "error": ... }` body, Grafana's
 * `{ "message": ... }`, a plain-text body, or a JavaScript error.
 */
export function errorMessage(err: unknown): string {
  if (typeof err === 'string') {
    return err;
  }
  if (err && typeof err === 'object') {
    const e = err as { data?: unknown; message?: unknown; status?: unknown; statusText?: unknown };
    const data = e.data;
    if (data && typeof data === 'object') {
      const d = data as { error?: unknown; message?: unknown };
      if (typeof d.error === 'string' && d.error) {
        return d.error;
      }
      if (typeof d.message === 'string' && d.message) {
        return d.message;
      }
    }
    if (typeof data === 'string' && data.trim()) {
      return data.trim();
    }
    if (typeof e.message === 'string' && e.message) {
      return e.message;
    }
    if (typeof e.status === 'number') {
      const text = typeof e.statusText === 'string' && e.statusText ? ` ${e.statusText}` : '';
      return `Request failed with status ${e.status}${text}`;
    }
  }
  return 'Unknown error';
}
