import { applySuggestion, editDistance } from './suggestions';

describe('applySuggestion', () => {
  it('replaces the value the reason quotes and drops the echoed word', () => {
    expect(
      applySuggestion('show logs from the inventory service', 'order-service', 'There is no service `inventory`.')
    ).toBe('show logs from the order-service');
  });

  it('keeps words after the quoted value that are not an echo', () => {
    expect(applySuggestion('errors of paymnet today', 'payment-service', 'no service `paymnet`')).toBe(
      'errors of payment-service today'
    );
  });

  it('falls back to the closest word when the reason quotes nothing', () => {
    expect(applySuggestion('paymnet errors in the last hour', 'payment', undefined)).toBe(
      'payment errors in the last hour'
    );
  });

  it('takes a whole question as the new question', () => {
    expect(applySuggestion('logs of inventory', 'show error logs from order-service?', 'no service `inventory`')).toBe(
      'show error logs from order-service?'
    );
  });

  it('appends a value that matches no word', () => {
    expect(applySuggestion('show logs', 'order-service', '')).toBe('show logs order-service');
  });

  it('leaves the question alone for an empty suggestion', () => {
    expect(applySuggestion('show logs', '  ', 'x')).toBe('show logs');
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
