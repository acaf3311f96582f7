// WebdriverIO against the real Tipvault desktop binary. tauri-driver fronts WebKitWebDriver,
// which launches the app (both on free loopback ports chosen at start, so two suites on one
// machine cannot steal each other's sessions); each spec file gets its own app process
// and a fresh, empty vault directory, passed to the app through TIPVAULT_VAULT.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const targetDir = process.env.CARGO_TARGET_DIR
  ? path.resolve(root, process.env.CARGO_TARGET_DIR)
  : path.join(root, 'target');
const desktopBinary =
  process.env.TIPVAULT_DESKTOP_BIN ?? path.join(targetDir, 'debug', 'tipvault-desktop');
// TIPVAULT_E2E_FAKETIME (e.g. "+400d"): the app runs with its clock moved by libfaketime
// (through a wrapper the drivers launch instead), to prove nothing depends on today's date.
const application = process.env.TIPVAULT_E2E_FAKETIME
  ? path.join(root, 'tests', 'e2e', 'faketime-app.sh')
  : desktopBinary;
process.env.TIPVAULT_E2E_APP = desktopBinary;
const tauriDriver =
  process.env.TAURI_DRIVER ?? path.join(os.homedir(), '.cargo', 'bin', 'tauri-driver');
// Makes a vault in the trusted tier and serves the sandbox its history went to (see the file).
const trustedVaultFixture = path.join(targetDir, 'debug', 'examples', 'e2e_trusted_vault');
// Reads a vault's keys, for the secret-leak scan (specs/secrets.e2e.mjs).
const keyMaterial = path.join(targetDir, 'debug', 'examples', 'e2e_key_material');

let driver;
let fixture;

/** The folders the secret-leak scan's app writes outside its vault, each its own. */
const SCAN_DIRS = {
  XDG_DATA_HOME: 'data',
  XDG_CACHE_HOME: 'cache',
  XDG_CONFIG_HOME: 'config',
  XDG_STATE_HOME: 'state',
  TMPDIR: 'tmp',
};
const originalEnv = Object.fromEntries(Object.keys(SCAN_DIRS).map((v) => [v, process.env[v]]));

/**
 * Runs the trusted-vault fixture: it creates the vault in `vaultDir` (with the specs'
 * passphrase), then serves its sandbox provider until its standard input closes.
 */
function startTrustedVault(vaultDir, sandboxDir, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(trustedVaultFixture, [vaultDir, sandboxDir], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...env, TIPVAULT_PASSPHRASE: 'harbour violet quantum tangerine' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (/^ready /m.test(out)) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the trusted-vault fixture exited (${code}) before it was ready`)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Chosen once by the launcher and inherited by its workers through the environment (each
// process loads this file; they must agree). TIPVAULT_E2E_PORTS="4444,4445" pins them.
if (!process.env.TIPVAULT_E2E_PORTS) {
  process.env.TIPVAULT_E2E_PORTS = `${await freePort()},${await freePort()}`;
}
const [driverPort, nativePort] = process.env.TIPVAULT_E2E_PORTS.split(',').map(Number);

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitForPorts(ports, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A driver that could not take its port exits at once; the port may still answer, held by
    // another process, and a session there would run with that process's environment.
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`tauri-driver exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    const open = await Promise.all(ports.map(portOpen));
    if (open.every(Boolean)) return;
    if (Date.now() > deadline) {
      throw new Error(`tauri-driver did not open ports ${ports.join(' and ')} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Ends every process of this run's drivers and app, and waits until their ports are free.
 * WebdriverIO calls `afterSession` only for a session that started: when the app hangs before
 * its first page (it did once under libfaketime), the worker exits with tauri-driver,
 * WebKitWebDriver and the app still running, and the retry's session would reach that old
 * driver, which launches the app with the old spec's environment and vault. The launcher runs
 * this after every worker (`onWorkerEnd`) and each worker before it starts its driver.
 */
async function endStaleProcesses() {
  for (const pattern of [
    `tauri-driver --port ${driverPort} `,
    `WebKitWebDriver --port=${nativePort}( |$)`,
    desktopBinary,
  ]) {
    try {
      execFileSync('pkill', ['-KILL', '-f', pattern]);
    } catch {
      // pkill exits 1 when nothing matched: the normal case.
    }
  }
  const deadline = Date.now() + 10_000;
  while ((await portOpen(driverPort)) || (await portOpen(nativePort))) {
    if (Date.now() > deadline) {
      throw new Error(`ports ${driverPort} and ${nativePort} are still taken after ending this run's drivers`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Rows in the generated Ko-fi export; one more row is deliberately bad. */
export const KOFI_ROWS = 3000;

/**
 * A Ko-fi transactions CSV of KOFI_ROWS tips of $1.00–$9.99 (every 400th mentions "unicorn"),
 * then one row with too many decimals for USD, on line KOFI_ROWS + 2.
 */
function writeKofiExport(file) {
  const header =
    'DateTime (UTC),From,Message,Item,Received,Given,Currency,TransactionType,TransactionId,Reference,SalesTax,SalesTaxPercentage,SalesTaxIncludesShipping,BuyerCountry,BuyerStateOrProvince,BuyerEmail,PaymentProvider';
  const lines = [header];
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < KOFI_ROWS; i++) {
    const at = new Date(start + i * 2 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    const amount = (100 + ((i * 37) % 900)) / 100;
    const message = i % 400 === 0 ? `unicorn ${i}` : `thanks ${i}`;
    lines.push(`${at},Fan ${i},${message},,${amount.toFixed(2)},,USD,Tip,TX-E2E-${i},,,,,KR,,fan${i}@example.com,PayPal`);
  }
  lines.push('2026-12-31 00:00:00,Bad Row,oops,,1.005,,USD,Tip,TX-E2E-BAD,,,,,KR,,bad@example.com,PayPal');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export const config = {
  runner: 'local',
  hostname: '127.0.0.1',
  port: driverPort,
  specs: ['./specs/**/*.e2e.mjs'],
  maxInstances: 1,
  // Only the moved-clock run sets this (scripts/test.sh says why); the main run never retries.
  specFileRetries: Number(process.env.TIPVAULT_E2E_RETRIES ?? 0),
  capabilities: [{ maxInstances: 1, 'tauri:options': { application } }],
  logLevel: 'warn',
  framework: 'mocha',
  reporters: ['spec'],
  mochaOpts: { ui: 'bdd', timeout: 60_000 },
  waitforTimeout: 10_000,

  onPrepare() {
    for (const [what, file] of [
      ['the desktop binary (build it with the UI first; see README)', desktopBinary],
      ['tauri-driver (cargo install tauri-driver --version 2.1.0 --locked)', tauriDriver],
      ['the trusted-vault fixture (cargo build -p tipvault-app --example e2e_trusted_vault)', trustedVaultFixture],
      ['the key reader (cargo build -p tipvault-app --features test-hooks --example e2e_key_material)', keyMaterial],
    ]) {
      if (!fs.existsSync(file)) throw new Error(`Missing ${what}: ${file}`);
    }
  },

  async beforeSession(_config, _capabilities, specs) {
    // A fresh vault location per app process; the app inherits it through the drivers.
    process.env.TIPVAULT_VAULT = fs.mkdtempSync(path.join(os.tmpdir(), 'tipvault-e2e-'));
    // The auto-lock spec needs a short idle limit; every other spec keeps the default.
    if (specs.some((s) => s.includes('autolock'))) process.env.TIPVAULT_AUTO_LOCK_SECS = '2';
    else delete process.env.TIPVAULT_AUTO_LOCK_SECS;
    // The ledger spec imports a generated export and saves exports: a debug build takes the
    // file the native dialogs would return from these (WebDriver cannot drive a native dialog).
    if (specs.some((s) => s.includes('double-charge'))) process.env.TIPVAULT_TEST_SANDBOX_DOUBLE_CHARGE = '1';
    else delete process.env.TIPVAULT_TEST_SANDBOX_DOUBLE_CHARGE;
    if (specs.some((s) => ['ledger', 'demo', 'double-charge', 'secrets'].some((name) => s.includes(name)))) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tipvault-e2e-files-'));
      process.env.TIPVAULT_TEST_PICK_FILE = writeKofiExport(path.join(work, 'ko-fi-export.csv'));
      process.env.TIPVAULT_TEST_SAVE_DIR = fs.mkdtempSync(path.join(work, 'exports-'));
    } else {
      delete process.env.TIPVAULT_TEST_PICK_FILE;
      delete process.env.TIPVAULT_TEST_SAVE_DIR;
    }
    // The security-key spec registers the software test device: a debug build offers it when
    // this names its state file (kept outside the vault, like a real key).
    if (specs.some((s) => s.includes('security-keys'))) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tipvault-e2e-keys-'));
      process.env.TIPVAULT_TEST_SOFT_AUTHENTICATOR = path.join(work, 'test-authenticator.json');
    } else {
      delete process.env.TIPVAULT_TEST_SOFT_AUTHENTICATOR;
    }
    // Automatic cash-outs need the trusted tier, which takes 30 days of history: this spec opens
    // a vault the fixture made that way, judged on the same (test) network as the app.
    if (specs.some((s) => s.includes('autocashout'))) process.env.TIPVAULT_TEST_NETWORK = 'e2e-home';
    else delete process.env.TIPVAULT_TEST_NETWORK;
    // The security-key spec needs a vault that accepts the test device: only a demo vault does,
    // and this fixture is one (marked as a demo fixture) at the app's vault location.
    if (specs.some((s) => s.includes('autocashout') || s.includes('security-keys'))) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tipvault-e2e-trusted-'));
      fixture = await startTrustedVault(process.env.TIPVAULT_VAULT, path.join(work, 'sandbox'), process.env);
    }
    // The secret-leak scan gives the app folders of its own for everything it may write
    // outside the vault (WebKit's storage and caches, temporary files), records every IPC
    // answer in the page (a test hook), and keeps the app's output to search.
    const secrets = specs.some((s) => s.includes('secrets'));
    let output;
    if (secrets) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tipvault-e2e-secrets-'));
      for (const [variable, dir] of Object.entries(SCAN_DIRS)) {
        process.env[variable] = path.join(work, dir);
        fs.mkdirSync(process.env[variable], { recursive: true });
      }
      process.env.TIPVAULT_E2E_SECRETS_WORK = work;
      process.env.TIPVAULT_TEST_RECORD_IPC = '1';
      output = fs.openSync(path.join(work, 'app-output.log'), 'a');
    } else {
      for (const variable of Object.keys(SCAN_DIRS)) {
        if (originalEnv[variable] === undefined) delete process.env[variable];
        else process.env[variable] = originalEnv[variable];
      }
      // Web storage of its own (the chosen language lives there), as on a fresh install: a
      // spec that ends in Korean must not start the next one in Korean.
      process.env.XDG_DATA_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'tipvault-e2e-data-'));
      delete process.env.TIPVAULT_E2E_SECRETS_WORK;
      delete process.env.TIPVAULT_TEST_RECORD_IPC;
    }
    await endStaleProcesses();
    driver = spawn(tauriDriver, ['--port', String(driverPort), '--native-port', String(nativePort)], {
      stdio: [null, secrets ? 'pipe' : process.stdout, secrets ? 'pipe' : process.stderr],
      env: process.env,
    });
    if (secrets) {
      // The app's own output reaches us through the drivers, which inherit it.
      driver.stdout.on('data', (chunk) => {
        fs.writeSync(output, chunk);
        process.stdout.write(chunk);
      });
      driver.stderr.on('data', (chunk) => {
        fs.writeSync(output, chunk);
        process.stderr.write(chunk);
      });
    }
    // Both ports, or about half the sessions fail with a disconnect (TOOLCHAIN.md).
    await waitForPorts([driverPort, nativePort], 20_000, driver);
  },

  async onWorkerEnd() {
    await endStaleProcesses();
  },

  afterSession() {
    driver?.kill();
    fixture?.stdin.end();
    fixture = undefined;
    // Specs run one at a time, so any app process still alive now belongs to the session that
    // just ended (one whose WebDriver connection broke can outlive tauri-driver): end it, or
    // it would be counted by the next spec (exit.e2e.mjs counts app processes) and hold a port.
    try {
      execFileSync('pkill', ['-f', desktopBinary]);
    } catch {
      // pkill exits 1 when nothing matched: the normal case.
    }
  },
};
