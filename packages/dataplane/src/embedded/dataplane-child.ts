/**
 * Entry point of the data plane that `relay start` runs as a child process (see
 * packages/controlplane/src/runtime/dataplane-child-process.ts), so an admin's heavy GraphQL query, a
 * snapshot rebuild or a chDB insert in the parent never holds up /healthz or a chat request.
 * Also the worker process of `relay dataplane` with DATAPLANE_WORKERS > 1 (workers/worker-supervisor.ts):
 * then a scrape of /metrics answers with every worker's metrics, gathered by the supervisor.
 *
 * Kept lean on purpose: it loads the data plane only (no control plane, no Prisma, no chDB),
 * through the same runDataplane as `relay dataplane`. Configuration comes from the environment
 * the parent builds; the IPC channel carries only lifecycle and snapshot acknowledgements.
 */
import { runDataplane, type RunningDataplane } from '../main.ts';
import { isDataplaneParentMessage, type DataplaneChildMessage } from './child-messages.ts';

/** How long a scraped worker waits for the supervisor to gather every worker's metrics. */
const GATHER_TIMEOUT_MS = 10_000;

function send(message: DataplaneChildMessage): void {
  if (process.connected) process.send?.(message);
}

const gathers = new Map<number, (text: string | null) => void>();
let nextGatherId = 0;

/** Every worker's metrics, merged by the supervisor (a scrape must not see a random worker). */
function gatherMetrics(): Promise<string> {
  const id = nextGatherId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => answer(null), GATHER_TIMEOUT_MS);
    const answer = (text: string | null) => {
      clearTimeout(timer);
      gathers.delete(id);
      if (text === null) reject(new Error('the worker supervisor did not gather the metrics of every worker'));
      else resolve(text);
    };
    gathers.set(id, answer);
    send({ type: 'metrics-gather', id });
  });
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('the embedded data plane must be started by `relay start` or `relay dataplane` (it needs an IPC channel)');
  let running: RunningDataplane | null = null;
  let closing: Promise<void> | null = null;
  let closeRequested = false;

  // Drain first, exit after: requests in flight finish, queued events reach the parent (or the spool).
  const close = () => {
    closeRequested = true;
    if (running === null || closing !== null) return;
    closing = running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`relay dataplane: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('message', (message: unknown) => {
    if (!isDataplaneParentMessage(message)) return;
    if (message.type === 'close') close();
    else if (message.type === 'metrics-gathered') gathers.get(message.id)?.(message.text);
    else if (message.type === 'metrics-request' && running !== null) {
      const { id } = message;
      running.renderOwnMetrics().then((text) => send({ type: 'metrics-text', id, text }), () => send({ type: 'metrics-text', id, text: '' }));
    }
  });
  // The parent went away (crash, kill -9): close gracefully instead of lingering as an orphan.
  process.on('disconnect', close);
  // Ctrl-C reaches the whole process group; the parent orchestrates, but closing here is the same drain.
  process.on('SIGINT', close);
  process.on('SIGTERM', close);

  running = await runDataplane(process.env, {
    announce: false,
    onSnapshotApplied: (version) => send({ type: 'snapshot-applied', version }),
    renderMetrics: () => (running?.workerIndex === null ? running.renderOwnMetrics() : gatherMetrics()),
  });
  send({ type: 'ready', port: running.port, snapshotVersion: running.snapshotVersion() });
  if (closeRequested || !process.connected) close();
}

main().catch((err: unknown) => {
  // Exit once the parent has the reason (a half-started poller or spool would keep the process up).
  const message: DataplaneChildMessage = { type: 'failed', message: err instanceof Error ? err.message : String(err) };
  if (process.connected && process.send) process.send(message, () => process.exit(1));
  else process.exit(1);
});
