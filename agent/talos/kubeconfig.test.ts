import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ustarHeader } from '../../lab/talos-node/kubeconfig-archive.js';
import { extractKubeconfigFromArchive, parseAdminKubeconfig } from './kubeconfig.js';
import { isTalosError, TalosErrorCodes } from './talos-errors.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const talosKubeconfig = fixture('talos-admin-kubeconfig.golden.yaml').toString('utf8');

function expectTalosError(fn: () => unknown, code: string, message?: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(isTalosError(err)).toBe(true);
    expect((err as Error & { code: string }).code).toBe(code);
    if (message) expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a TalosError');
}

describe('parseAdminKubeconfig', () => {
  it('returns the server, CA and client credentials of the Talos admin kubeconfig', () => {
    const creds = parseAdminKubeconfig(talosKubeconfig);
    expect(creds.clusterName).toBe('fixture');
    expect(creds.server).toBe('https://10.5.0.2:6443');
    expect(creds.caPem).toContain('-----BEGIN CERTIFICATE-----\nZml4dHVyZSBjbHVzdGVyIENB');
    expect(creds.certPem).toContain('Zml4dHVyZSBhZG1pbiBjZXJ0');
    expect(creds.keyPem).toContain('-----BEGIN EC PRIVATE KEY-----');
  });

  it('follows current-context when the kubeconfig has several clusters and users', () => {
    const doc = parse(talosKubeconfig) as Record<string, unknown[]>;
    const other = {
      name: 'other',
      cluster: {
        server: 'https://192.0.2.1:6443',
        'certificate-authority-data': (doc.clusters?.[0] as { cluster: Record<string, string> }).cluster[
          'certificate-authority-data'
        ],
      },
    };
    doc.clusters = [other, ...(doc.clusters ?? [])];
    doc.users = [{ ...(doc.users?.[0] as object), name: 'someone-else' }, ...(doc.users ?? [])];
    const creds = parseAdminKubeconfig(stringify(doc));
    expect(creds.server).toBe('https://10.5.0.2:6443');
    expect(creds.clusterName).toBe('fixture');
  });

  it('uses the first cluster and user when there is no current context', () => {
    const doc = parse(talosKubeconfig) as Record<string, unknown>;
    delete doc['current-context'];
    delete doc.contexts;
    expect(parseAdminKubeconfig(stringify(doc)).server).toBe('https://10.5.0.2:6443');
  });

  it('rejects a kubeconfig without client credentials with KubeconfigInvalid naming the field', () => {
    const doc = parse(talosKubeconfig) as { users: { user: Record<string, string> }[] };
    delete doc.users[0]?.user['client-key-data'];
    expectTalosError(() => parseAdminKubeconfig(stringify(doc)), TalosErrorCodes.KubeconfigInvalid, /client-key-data/);
  });

  it('rejects data fields that are not base64 PEM, and text that is not YAML', () => {
    const notPem = talosKubeconfig.replace(/client-certificate-data: \S+/, 'client-certificate-data: bm90IGEgcGVt');
    expectTalosError(() => parseAdminKubeconfig(notPem), TalosErrorCodes.KubeconfigInvalid, /not base64-encoded PEM/);
    expectTalosError(
      () => parseAdminKubeconfig('clusters: [unclosed'),
      TalosErrorCodes.KubeconfigInvalid,
      /not valid YAML/,
    );
  });

  it('rejects a current context that names a missing user', () => {
    const broken = talosKubeconfig.replace('    user: admin@fixture', '    user: nobody');
    expectTalosError(() => parseAdminKubeconfig(broken), TalosErrorCodes.KubeconfigInvalid, /missing cluster or user/);
  });
});

describe('extractKubeconfigFromArchive', () => {
  it('unpacks the gzipped tar Talos streams', () => {
    expect(extractKubeconfigFromArchive(fixture('talos-kubeconfig-go.tar.gz'))).toBe(talosKubeconfig);
  });

  it('fails with TalosBadResponse when the payload is not gzip', () => {
    expectTalosError(
      () => extractKubeconfigFromArchive(Buffer.from('plain text')),
      TalosErrorCodes.BadResponse,
      /not gzip/,
    );
  });

  it('fails with TalosBadResponse when the archive holds no kubeconfig file', () => {
    const other = gzipSync(Buffer.concat([ustarHeader('talosconfig', 2, 0o600, new Date(0)), Buffer.from('{}')]));
    expectTalosError(() => extractKubeconfigFromArchive(other), TalosErrorCodes.BadResponse, /found: talosconfig/);
  });

  it('fails with TalosBadResponse when the stream was cut short', () => {
    const whole = fixture('talos-kubeconfig-go.tar.gz');
    expectTalosError(
      () => extractKubeconfigFromArchive(whole.subarray(0, whole.length - 20)),
      TalosErrorCodes.BadResponse,
    );
  });
});
