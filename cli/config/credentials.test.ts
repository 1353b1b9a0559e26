import { describe, expect, it } from 'vitest';
import { configFilePath } from './config-path.js';
import { normalizeApiUrl, resolveCredentials } from './credentials.js';

describe('where the CLI finds the API and its key', () => {
  it('keeps its file under $XDG_CONFIG_HOME/rackpilot, else ~/.config/rackpilot (a relative XDG path is ignored)', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '/x/conf' }, '/home/u')).toBe('/x/conf/rackpilot/config.json');
    expect(configFilePath({}, '/home/u')).toBe('/home/u/.config/rackpilot/config.json');
    expect(configFilePath({ XDG_CONFIG_HOME: 'rel' }, '/home/u')).toBe('/home/u/.config/rackpilot/config.json');
  });

  it('lets RACKPILOT_API_URL and RACKPILOT_API_KEY win over the file, field by field', () => {
    const stored = { apiUrl: 'http://file', apiKey: 'rp_file' };
    expect(resolveCredentials({}, stored, 'f')).toEqual(stored);
    expect(resolveCredentials({ RACKPILOT_API_KEY: 'rp_env' }, stored, 'f')).toEqual({
      apiUrl: 'http://file',
      apiKey: 'rp_env',
    });
    expect(resolveCredentials({ RACKPILOT_API_URL: 'http://env', RACKPILOT_API_KEY: '' }, stored, 'f')).toEqual({
      apiUrl: 'http://env',
      apiKey: 'rp_file',
    });
  });

  it('says what is missing and how to log in', () => {
    expect(() => resolveCredentials({ RACKPILOT_API_URL: 'http://env' }, {}, '/c.json')).toThrow(
      /No API key: run `rackpilot login/,
    );
    expect(() => resolveCredentials({}, {}, '/c.json')).toThrow(/No API URL or API key/);
  });

  it('accepts http(s) API URLs only, without a trailing slash', () => {
    expect(normalizeApiUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(normalizeApiUrl('https://rackpilot.example/base/')).toBe('https://rackpilot.example/base');
    expect(normalizeApiUrl('ftp://x')).toBeUndefined();
    expect(normalizeApiUrl('127.0.0.1:8080')).toBeUndefined();
    expect(normalizeApiUrl('http://x/?a=1')).toBeUndefined();
  });
});
