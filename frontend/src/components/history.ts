/**
 * The questions asked in this browser session, newest first, shared by every editor and the Ask page. Kept in
 * sessionStorage so a reload keeps them and a new tab starts fresh.
 */
const KEY = 'querent.history';
const MAX = 30;

export function readHistory(): string[] {
  try {
    const raw = window.sessionStorage.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? parsed.filter((q): q is string => typeof q === 'string') : [];
  } catch {
    return [];
  }
}

export function addToHistory(question: string): string[] {
  const q = question.trim();
  if (!q) {
    return readHistory();
  }
  const next = [q, ...readHistory().filter((h) => h !== q)].slice(0, MAX);
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // storage full or disabled: the history is a convenience, never a reason to fail a query
  }
  return next;
}

export function clearHistory() {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // see addToHistory
  }
}
