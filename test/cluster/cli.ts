// `npm run sandbox [-- --detach]` and `npm run sandbox:stop`: the local control plane with our server.
import { relative } from 'node:path';
import { sandboxPaths } from './paths.js';
import type { SandboxState } from './sandbox.js';
import { DEMO_COMMANDS, installDemo } from './demo.js';
import { startSandbox, stopSandbox } from './sandbox.js';

const log = (line: string) => process.stderr.write(`[sandbox] ${line}\n`);

function nextSteps(state: SandboxState, detached: boolean, demo: boolean): string {
  const paths = sandboxPaths();
  const kubeconfig = relative(process.cwd(), paths.adminKubeconfig) || paths.adminKubeconfig;
  const k = `kubectl --kubeconfig ${kubeconfig}`;
  return [
    '',
    `kube-apiserver:  https://127.0.0.1:${state.ports.apiserver}   kiosk server: https://127.0.0.1:${state.ports.server}`,
    `logs:            ${relative(process.cwd(), paths.logs)}/`,
    `kubectl:         ${paths.bin}/kubectl (v1.36, matches the server; /usr/bin/kubectl works too)`,
    '',
    'Try:',
    ...(demo
      ? ['  (the walkthrough\'s tenants are installed: dev owns node-account, dba owns redis-account)', ...DEMO_COMMANDS.map((c) => `  ${k} ${c}`)]
      : [`  ${k} get apiservice v1alpha1.tenancy.kiosk.sh`, `  ${k} api-resources --api-group=tenancy.kiosk.sh`,
        `  ${k} get spaces --as=dev`, '  (start with --demo to get the walkthrough\'s tenants installed)']),
    '',
    detached ? 'Stop it with: npm run sandbox:stop' : 'Press Ctrl-C to stop everything.',
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const [command, ...flags] = process.argv.slice(2);
  if (command === 'stop') {
    log((await stopSandbox()) ? 'stopped' : 'no sandbox was running');
    return 0;
  }
  if (command !== 'start') {
    process.stderr.write('usage: cli.js start [--detach] [--demo] | stop\n');
    return 2;
  }
  const detach = flags.includes('--detach');
  const demo = flags.includes('--demo');
  const { state, reused } = await startSandbox(log);
  if (reused) log('a sandbox is already running; reusing it');
  if (demo) {
    log('installing the walkthrough\'s tenants (--demo)');
    await installDemo();
  }
  process.stdout.write(nextSteps(state, detach, demo));
  if (detach) return 0;

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping');
  await stopSandbox();
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  log(`ERROR: ${(err as Error).message}`);
  process.exit(1);
});
