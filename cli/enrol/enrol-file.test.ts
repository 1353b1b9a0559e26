import { describe, expect, it } from 'vitest';
import { chunks, enrolFileKind, parseEnrolFile } from './enrol-file.js';

describe('the assets file of `assets enrol -f`', () => {
  it('reads a CSV row per asset: dotted headers nest, ports are numbers, empty cells are left out', () => {
    const csv = [
      '# rack r1, row 3',
      'hostname,bmc.address,bmc.username,bmc.password,bmc.driver,bmc.port,labels.rack,bmc.redfish.tls.insecure',
      'r650-1,10.0.8.21,root,"pa,ss",redfish,443,r1,true',
      'r650-2,10.0.8.22,root,secret,,,r1,',
    ].join('\n');
    expect(parseEnrolFile(csv, 'csv', { siteId: 'site_1' })).toEqual([
      {
        siteId: 'site_1',
        hostname: 'r650-1',
        bmc: {
          address: '10.0.8.21',
          username: 'root',
          password: 'pa,ss',
          driver: 'redfish',
          port: 443,
          redfish: { tls: { insecure: true } },
        },
        labels: { rack: 'r1' },
      },
      {
        siteId: 'site_1',
        hostname: 'r650-2',
        bmc: { address: '10.0.8.22', username: 'root', password: 'secret' },
        labels: { rack: 'r1' },
      },
    ]);
  });

  it('takes short headers (address, username, password, ipmi) for the BMC and keeps a row’s own siteId', () => {
    const csv = 'siteId,ipmi,username,password\nsite_2,10.0.0.1,admin,pw';
    expect(parseEnrolFile(csv, 'csv', { siteId: 'site_1' })).toEqual([
      { siteId: 'site_2', bmc: { address: '10.0.0.1', username: 'admin', password: 'pw' } },
    ]);
  });

  it('reads YAML or JSON: a list of bodies, or the bulk body {assets: [...]}', () => {
    const list =
      '- bmc: { address: 10.0.0.1, username: a, password: b }\n- siteId: site_9\n  bmc: { address: 10.0.0.2 }\n';
    expect(parseEnrolFile(list, 'yaml', { siteId: 'site_1' })).toEqual([
      { siteId: 'site_1', bmc: { address: '10.0.0.1', username: 'a', password: 'b' } },
      { siteId: 'site_9', bmc: { address: '10.0.0.2' } },
    ]);
    expect(parseEnrolFile('{"assets": [{"siteId": "s"}]}', 'yaml')).toEqual([{ siteId: 's' }]);
  });

  it('refuses what it cannot read, naming why', () => {
    expect(() => parseEnrolFile('hostname\n', 'csv')).toThrow('the file lists no assets');
    expect(() => parseEnrolFile('a: [', 'yaml')).toThrow(/not valid YAML/);
    expect(() => parseEnrolFile('name: x', 'yaml')).toThrow(/expected a list of assets/);
    expect(() => parseEnrolFile('bmc.port\nx', 'csv')).toThrow('line 2: bmc.port must be a whole number, not x');
    expect(() => parseEnrolFile('a,b\n1,2,3', 'csv')).toThrow(/not valid CSV/);
    expect(() => enrolFileKind('rack.txt')).toThrow(/\.csv, \.yaml/);
    expect([enrolFileKind('a.CSV'), enrolFileKind('a.yml'), enrolFileKind('a.json')]).toEqual(['csv', 'yaml', 'yaml']);
  });

  it('splits many assets into bulk requests of the API’s size', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
