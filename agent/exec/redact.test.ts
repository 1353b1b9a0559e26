import { describe, expect, it } from 'vitest';
import { describeCommand, redactText } from './redact.js';

describe('redactText', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactText('pw=hunter2 again hunter2, user admin', ['hunter2'])).toBe(
      'pw=[redacted] again [redacted], user admin',
    );
  });

  it('removes a longer secret whole when it contains a shorter one', () => {
    expect(redactText('token abcdef', ['abc', 'abcdef'])).toBe('token [redacted]');
  });

  it('ignores secrets too short to redact safely', () => {
    expect(redactText('a b c', ['a', ''])).toBe('a b c');
  });
});

describe('describeCommand', () => {
  it('renders a command line with quoting and redaction', () => {
    expect(describeCommand('ipmitool', ['-H', '10.0.0.5', '-U', 'admin', 'power', 'status'])).toBe(
      'ipmitool -H 10.0.0.5 -U admin power status',
    );
    expect(describeCommand('tool', ['a b', "it's", '--pw=s3cret'], ['s3cret'])).toBe(
      "tool 'a b' 'it'\\''s' --pw=[redacted]",
    );
  });
});
