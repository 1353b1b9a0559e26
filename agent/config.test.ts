import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.js';
import { loadAgentConfig } from './config.js';

const BASE = {
  RACKPILOT_AGENT_API_URL: 'https://rackpilot.example.com',
  RACKPILOT_AGENT_ENROLLMENT_TOKEN: 'enroll-0123456789abcdef',
  RACKPILOT_AGENT_BOOT_SERVER_IP: '10.0.0.2',
  RACKPILOT_AGENT_DATA_DIR: '/srv/agent',
};

describe('loadAgentConfig', () => {
  it('applies defaults under the data dir', () => {
    const config = loadAgentConfig(BASE);
    expect(config).toMatchObject({
      concurrency: 8,
      credentialFile: '/srv/agent/agent-credential.json',
      artifactDir: '/srv/agent/artifacts',
      ssh: { keyPath: '/srv/agent/ssh/id_ed25519', username: 'root' },
      jobHeartbeatMs: 5_000,
      talosApiPort: 50000,
      metricsPort: undefined,
    });
    expect(config.boot).toMatchObject({
      serverIp: '10.0.0.2',
      http: { port: 8080 },
      tftp: { enabled: true, root: '/srv/agent/tftp' },
    });
  });

  it('names every bad variable', () => {
    const env = {
      ...BASE,
      RACKPILOT_AGENT_CONCURRENCY: '0',
      RACKPILOT_AGENT_API_URL: 'not a url',
      RACKPILOT_AGENT_TFTP_ENABLED: 'maybe',
    };
    const error = (() => {
      try {
        loadAgentConfig(env);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const variables = ((error as ConfigError).details as { variable: string }[]).map((d) => d.variable).sort();
    expect(variables).toEqual([
      'RACKPILOT_AGENT_API_URL',
      'RACKPILOT_AGENT_CONCURRENCY',
      'RACKPILOT_AGENT_TFTP_ENABLED',
    ]);
  });

  it('requires the boot server IP when proxyDHCP is on, and not when it is off', () => {
    const { RACKPILOT_AGENT_BOOT_SERVER_IP: _ip, ...withoutIp } = BASE;
    expect(() => loadAgentConfig(withoutIp)).toThrow(/RACKPILOT_AGENT_BOOT_SERVER_IP/);
    const off = loadAgentConfig({
      ...withoutIp,
      RACKPILOT_AGENT_PROXY_DHCP_ENABLED: 'false',
      RACKPILOT_AGENT_TFTP_ENABLED: 'no',
    });
    expect(off.boot.proxyDhcp.enabled).toBe(false);
    expect(off.boot.tftp?.enabled).toBe(false);
  });

  it("refuses a job heartbeat slower than half the waiting activity's 30 s heartbeat timeout", () => {
    expect(loadAgentConfig({ ...BASE, RACKPILOT_AGENT_JOB_HEARTBEAT_SECONDS: '15' }).jobHeartbeatMs).toBe(15_000);
    expect(() => loadAgentConfig({ ...BASE, RACKPILOT_AGENT_JOB_HEARTBEAT_SECONDS: '30' })).toThrow(
      /RACKPILOT_AGENT_JOB_HEARTBEAT_SECONDS/,
    );
  });

  it('speaks IPMI through ipmitool unless the native RMCP+ client is asked for, and names a bad choice', () => {
    expect(loadAgentConfig(BASE).ipmiClient).toBe('ipmitool');
    expect(loadAgentConfig({ ...BASE, RACKPILOT_AGENT_IPMI_CLIENT: 'native' }).ipmiClient).toBe('native');
    expect(() => loadAgentConfig({ ...BASE, RACKPILOT_AGENT_IPMI_CLIENT: 'freeipmi' })).toThrow(
      /RACKPILOT_AGENT_IPMI_CLIENT/,
    );
  });
});
