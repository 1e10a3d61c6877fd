import { addToHistory, clearHistory, readHistory } from './history';

describe('session history', () => {
  beforeEach(() => clearHistory());

  it('keeps questions newest first without duplicates', () => {
    addToHistory('a');
    addToHistory('b');
    addToHistory('a');
    expect(readHistory()).toEqual(['a', 'b']);
  });

  it('ignores blank questions and trims', () => {
    addToHistory('   ');
    addToHistory('  q  ');
    expect(readHistory()).toEqual(['q']);
  });

  it('keeps at most 30 questions', () => {
    for (let i = 0; i < 40; i++) {
      addToHistory(`q${i}`);
    }
    const h = readHistory();
    expect(h).toHaveLength(30);
    expect(h[0]).toBe('q39');
  });

  it('survives garbage in storage', () => {
    window.sessionStorage.setItem('querent.history', '{not json');
    expect(readHistory()).toEqual([]);
    window.sessionStorage.setItem('querent.history', JSON.stringify(['ok', 3, null]));
    expect(readHistory()).toEqual(['ok']);
  });
});
