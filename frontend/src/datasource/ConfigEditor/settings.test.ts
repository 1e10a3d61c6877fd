import { createConfigOptions } from '../../test/datasource';
import { addHeader, headersOf, parseNumber, resetSecure, setHeaderName, updateJson, updateSecure } from './settings';

describe('settings updaters', () => {
  it('return new objects and never touch the old ones', () => {
    const before = createConfigOptions({ jsonData: { lokiUrl: 'a' } });
    const frozen = JSON.stringify(before);
    const after = updateSecure(updateJson(before, { lokiUrl: 'b' }), 'lokiToken', 't');
    expect(JSON.stringify(before)).toBe(frozen);
    expect(after.jsonData.lokiUrl).toBe('b');
    expect(after.secureJsonData?.lokiToken).toBe('t');
  });

  it('reset marks the secret unconfigured and empties it', () => {
    const o = resetSecure(createConfigOptions({ secureJsonFields: { llmApiKey: true } }), 'llmApiKey');
    expect(o.secureJsonFields.llmApiKey).toBe(false);
    expect(o.secureJsonData?.llmApiKey).toBe('');
  });

  it('numbers extra headers after the highest one', () => {
    let o = createConfigOptions({
      jsonData: { tempoHeaderName3: 'X-C' },
      secureJsonFields: { tempoHeaderValue3: true },
    });
    o = setHeaderName(addHeader(o, 'tempo'), 'tempo', 4, 'X-D');
    expect(headersOf(o, 'tempo')).toEqual([
      { index: 3, name: 'X-C', valueConfigured: true },
      { index: 4, name: 'X-D', valueConfigured: false },
    ]);
    expect(headersOf(o, 'loki')).toEqual([]);
  });

  it('parses numbers leniently', () => {
    expect(parseNumber('')).toBeUndefined();
    expect(parseNumber('abc')).toBeUndefined();
    expect(parseNumber('12')).toBe(12);
    expect(parseNumber('0.5')).toBe(0.5);
  });
});
