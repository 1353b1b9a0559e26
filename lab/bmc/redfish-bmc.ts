/**
 * One simulated Redfish BMC: a real `sushy-emulator` (sushy-tools 2.2.0, fake driver) serving
 * HTTPS on the server's own loopback address with a self-signed certificate and Basic auth, and a
 * small HTTP receiver on 127.0.0.1 for the fake driver's change notifications. A Node caller sees
 * power changes through `onPower` and {@link RedfishBmc.state}, the virtual CD through
 * {@link RedfishBmc.insertedMedia}.
 *
 * The fake driver applies a power request late: it records it with an apply time 1–11 s ahead and
 * applies it the next time the system is read after that. The receiver therefore reads the system
 * itself when a pending change falls due, so a Reset takes effect without anyone polling.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { waitForState } from './wait-for-state.js';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { isExecutable } from '../../tools/devservices/find-binary.js';
import { findSushyEmulator } from '../../tools/setup/python-tools.js';
import { createBmcCertificate } from './bmc-certificate.js';
import { bcryptHtpasswdLine } from './htpasswd.js';
import { FingerprintMismatchError, redfishRequest, type RedfishTarget } from './redfish-request.js';
import { PendingPowerApplier, startNotificationReceiver } from './sushy-notifications.js';
import { freePort } from '../../tools/devservices/free-port.js';
import { tcpPortFree } from './tcp-port.js';
import { driveTemplate, sushyConfig, sushyLauncher, type SushySystem } from './sushy-files.js';
import {
  fakeSystemNotificationSchema,
  PowerTracker,
  type RedfishPowerEvent,
  type RedfishSystemState,
} from './sushy-power.js';

export type { RedfishBootDevice, RedfishPowerEvent, RedfishSystemState } from './sushy-power.js';

/** Options of {@link startRedfishBmc}. */
export interface RedfishBmcOptions {
  /** Loopback address to serve on (the server's BMC address). */
  address: string;
  /** TCP port; default 443 when free on `address`, else a free one. */
  port?: number;
  username: string;
  password: string;
  /** Absolute directory for certificate, config, sushy's state and its log. Created if missing. */
  stateDir: string;
  system: SushySystem;
  /** Called when the applied power changes, with the state after it. */
  onPower?: (event: RedfishPowerEvent, state: RedfishSystemState) => void;
  /** Path of `sushy-emulator`; default the one `npm run setup` installed. */
  sushyEmulatorPath?: string;
}

/** A running simulated Redfish BMC. */
export interface RedfishBmc {
  address: string;
  port: number;
  username: string;
  password: string;
  /** SHA-256 fingerprint of the BMC's certificate, `AB:CD:…`: what the agent pins. */
  fingerprintSha256: string;
  certPem: string;
  /** Id of the one ComputerSystem (`/redfish/v1/Systems/<systemId>`). */
  systemId: string;
  pid: number;
  /** sushy-emulator's stdout and stderr. */
  logFile: string;
  /** The system as the notifications describe it. */
  state(): RedfishSystemState;
  /** Resolves with the state once `predicate` holds; rejects after `timeoutMs` (default 15 s: sushy delays up to 11 s). */
  waitFor(predicate: (state: RedfishSystemState) => boolean, timeoutMs?: number): Promise<RedfishSystemState>;
  /**
   * The image URL in the system's virtual CD (`VirtualMedia/Cd`) while one is inserted, else
   * undefined; read from sushy at each call. Rejects when the BMC does not answer 200.
   */
  insertedMedia(): Promise<string | undefined>;
  /** False freezes the emulator (SIGSTOP): connections open but nothing answers, as a hung BMC. True resumes it. */
  setReachable(reachable: boolean): void;
  /** Stops sushy-emulator (its process group: SIGTERM, SIGKILL after 3 s) and the receiver. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The fields of a VirtualMedia resource the lab reads. sushy 2.2.0 serves the system's one CD at
 * `/redfish/v1/Systems/<id>/VirtualMedia/Cd` (the Manager's `VirtualMedia` link points there too);
 * after InsertMedia, `Image` is the URL as given and `Inserted` true; ejected, `""` and false.
 */
const virtualMediaSchema = z.looseObject({ Image: z.string().nullish(), Inserted: z.boolean().nullish() });

/** Process groups of every sushy-emulator started and not stopped; killed when this process exits. */
const live = new Set<number>();
process.once('exit', () => {
  for (const pid of live) killGroup(pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Starts one Redfish BMC and resolves once its service root answers with its own certificate. */
export async function startRedfishBmc(options: RedfishBmcOptions): Promise<RedfishBmc> {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(options.address))
    throw new Error(`Redfish BMC: refusing non-loopback address ${options.address}`);
  if (!isAbsolute(options.stateDir)) throw new Error(`stateDir must be absolute: ${options.stateDir}`);
  const sushy = options.sushyEmulatorPath ?? findSushyEmulator();
  if (!sushy) throw new Error('sushy-emulator is not installed; run `npm run setup`');
  // The launcher runs sushy-emulator's own entry point with the venv's interpreter (sushy-files.ts).
  const python = join(dirname(sushy), 'python3');
  if (!isExecutable(python)) throw new Error(`no Python beside ${sushy}; run \`npm run setup\``);
  const { stateDir } = options;
  // A BMC starts with its server powered off: sushy's state of an earlier run is dropped.
  await rm(join(stateDir, 'sushy-state'), { recursive: true, force: true });
  await mkdir(join(stateDir, 'templates'), { recursive: true });
  const cert = await createBmcCertificate(options.address, options.system.name);
  await writeFile(join(stateDir, 'bmc.crt'), cert.certPem);
  await writeFile(join(stateDir, 'bmc.key'), cert.keyPem, { mode: 0o600 });
  await writeFile(
    join(stateDir, 'htpasswd'),
    `${await bcryptHtpasswdLine(python, options.username, options.password)}\n`,
    {
      mode: 0o600,
    },
  );
  await writeFile(join(stateDir, 'launcher.py'), sushyLauncher());
  await writeFile(join(stateDir, 'templates', 'drive.json'), driveTemplate());

  const tracker = new PowerTracker();
  let onNotification: (body: unknown) => void = () => undefined;
  const receiver = await startNotificationReceiver((body) => onNotification(body));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = options.port ?? ((await tcpPortFree(options.address, 443)) ? 443 : await freePort(options.address));
    try {
      const started = await startOnPort(options, { python, port, notificationUrl: receiver.url, cert, tracker });
      onNotification = started.onNotification;
      const stopBmc = started.stop;
      let stopping: Promise<void> | undefined;
      return {
        ...started.bmc,
        stop: () =>
          (stopping ??= (async () => {
            await stopBmc();
            await receiver.close();
          })()),
      };
    } catch (err) {
      lastError = err as Error;
      if (options.port !== undefined || !/port taken/.test(lastError.message)) break;
    }
  }
  await receiver.close();
  throw lastError ?? new Error('sushy-emulator did not start');
}

interface StartContext {
  python: string;
  port: number;
  notificationUrl: string;
  cert: { certPem: string; fingerprintSha256: string };
  tracker: PowerTracker;
}

async function startOnPort(
  options: RedfishBmcOptions,
  ctx: StartContext,
): Promise<{ bmc: RedfishBmc; onNotification: (body: unknown) => void; stop: () => Promise<void> }> {
  const { stateDir, system } = options;
  const target: RedfishTarget = {
    address: options.address,
    port: ctx.port,
    fingerprintSha256: ctx.cert.fingerprintSha256,
    username: options.username,
    password: options.password,
  };
  await writeFile(
    join(stateDir, 'sushy.conf.py'),
    sushyConfig({
      address: options.address,
      port: ctx.port,
      certFile: join(stateDir, 'bmc.crt'),
      keyFile: join(stateDir, 'bmc.key'),
      authFile: join(stateDir, 'htpasswd'),
      stateDir: join(stateDir, 'sushy-state'),
      notificationUrl: ctx.notificationUrl,
      system,
    }),
  );
  // InsertMedia downloads the whole image into the temporary directory and keeps it until an
  // eject (a second insert leaves the first copy behind): under sushy's state, a new BMC drops them.
  const mediaTmp = join(stateDir, 'sushy-state', 'media-downloads');
  await mkdir(mediaTmp, { recursive: true });
  const logFile = join(stateDir, 'sushy-emulator.log');
  const log = openSync(logFile, 'a');
  // Its own process group, so stop reaches anything it forks; stdin is a pipe that closes when
  // this process dies, which the launcher takes as its cue to exit.
  const child: ChildProcess = spawn(
    ctx.python,
    [join(stateDir, 'launcher.py'), join(stateDir, 'templates'), '--config', join(stateDir, 'sushy.conf.py')],
    { stdio: ['pipe', log, log], detached: true, env: { ...process.env, TMPDIR: mediaTmp } },
  );
  closeSync(log);
  const pid = child.pid as number;
  live.add(pid);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('close', () => live.delete(pid));
  child.on('error', () => undefined); // a spawn failure shows as the exit below

  const applier = new PendingPowerApplier(ctx.tracker, () =>
    redfishRequest(target, 'GET', `/redfish/v1/Systems/${system.uuid}`, { timeoutMs: 3_000 }),
  );
  const onNotification = (body: unknown): void => {
    const parsed = fakeSystemNotificationSchema.safeParse(body);
    if (!parsed.success || parsed.data.uuid !== system.uuid) return;
    const event = ctx.tracker.push(parsed.data);
    applier.schedule();
    if (event) options.onPower?.(event, ctx.tracker.state());
  };
  let frozen = false;
  const stop = async (): Promise<void> => {
    applier.close();
    if (child.exitCode === null && child.signalCode === null) {
      if (frozen) killGroup(pid, 'SIGCONT');
      killGroup(pid, 'SIGTERM');
      const killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), 3_000);
      await exited;
      clearTimeout(killTimer);
    }
    // Nothing is signalled once it has exited: with pid_max 32768 its group id may soon be another's.
  };

  try {
    await waitUntilServing(child, target, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    onNotification,
    stop,
    bmc: {
      address: options.address,
      port: ctx.port,
      username: options.username,
      password: options.password,
      fingerprintSha256: ctx.cert.fingerprintSha256,
      certPem: ctx.cert.certPem,
      systemId: system.uuid,
      pid,
      logFile,
      state: () => ctx.tracker.state(),
      waitFor: (predicate, timeoutMs = 15_000) =>
        waitForState(() => ctx.tracker.state(), predicate, timeoutMs, 'Redfish system'),
      insertedMedia: () => readInsertedMedia(target, `/redfish/v1/Systems/${system.uuid}/VirtualMedia/Cd`),
      setReachable: (reachable) => {
        if (reachable === !frozen || child.exitCode !== null || child.signalCode !== null) return;
        frozen = !reachable;
        killGroup(pid, reachable ? 'SIGCONT' : 'SIGSTOP');
      },
      stop,
    },
  };
}

async function readInsertedMedia(target: RedfishTarget, path: string): Promise<string | undefined> {
  const res = await redfishRequest(target, 'GET', path, { timeoutMs: 3_000 });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  const media = virtualMediaSchema.parse(JSON.parse(res.body));
  return media.Inserted === true && media.Image ? media.Image : undefined;
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

async function waitUntilServing(child: ChildProcess, target: RedfishTarget, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  const where = `${target.address}:${target.port}`;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = logTail(logFile);
      const taken = /Address already in use/.test(tail) ? ' (port taken)' : '';
      throw new Error(`sushy-emulator exited during start-up on ${where}${taken}: ${tail}`);
    }
    // The service root needs no auth; the pinned fingerprint proves it is this emulator answering.
    const res = await redfishRequest(target, 'GET', '/redfish/v1/', { auth: false, timeoutMs: 500 }).catch(
      (err: unknown) => err as Error,
    );
    if (!(res instanceof Error) && res.status === 200) return;
    if (res instanceof FingerprintMismatchError)
      throw new Error(`${where} answers, but not with this BMC's certificate (port taken)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`sushy-emulator did not answer on https://${where} within 15 s: ${logTail(logFile)}`);
}
