/**
 * What clicking a clarification's suggestion does to the question. The backend's `reason` quotes the words it
 * could not resolve in backticks (e.g. "no service `inventory`"); a suggestion that is a single value replaces
 * those words, one that is a whole question replaces the question.
 */
export function applySuggestion(question: string, suggestion: string, reason?: string): string {
  const s = suggestion.trim();
  if (!s) {
    return question;
  }
  if (looksLikeQuestion(s)) {
    return s;
  }
  for (const quoted of quotedValues(reason ?? '')) {
    const replaced = replaceInsensitive(question, quoted, s);
    if (replaced !== question) {
      return replaced;
    }
  }
  const word = closestWord(question, s);
  if (word) {
    return replaceInsensitive(question, word, s);
  }
  return `${question.trim()} ${s}`.trim();
}

function looksLikeQuestion(s: string): boolean {
  return s.split(/\s+/).length >= 3 || /[?？]$/.test(s);
}

function quotedValues(reason: string): string[] {
  return Array.from(reason.matchAll(/`([^`]+)`/g), (m) => m[1]).filter((v) => v.trim() !== '');
}

/**
 * Replaces the first occurrence of `needle` (any case). A word right after it that the replacement already
 * ends with is dropped: "the inventory service" with `order-service` becomes "the order-service".
 */
function replaceInsensitive(text: string, needle: string, replacement: string): string {
  const at = text.toLowerCase().indexOf(needle.toLowerCase());
  if (at < 0) {
    return text;
  }
  let rest = text.slice(at + needle.length);
  const tail = replacement
    .split(/[-_\s]+/)
    .pop()
    ?.toLowerCase();
  const echo = /^\s+([\p{L}\p{N}_]+)/u.exec(rest);
  if (tail && echo && echo[1].toLowerCase() === tail) {
    rest = rest.slice(echo[0].length);
  }
  return text.slice(0, at) + replacement + rest;
}

/** The word of the question most like the suggestion (edit distance relative to length), if any is close. */
function closestWord(question: string, suggestion: string): string | undefined {
  const target = suggestion.toLowerCase();
  let best: { word: string; score: number } | undefined;
  for (const word of question.split(/[\s,.;:!?()"']+/).filter((w) => w.length >= 3)) {
    const d = editDistance(word.toLowerCase(), target);
    const score = d / Math.max(word.length, target.length);
    if (score < 0.5 && (!best || score < best.score)) {
      best = { word, score };
    }
  }
  return best?.word;
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
