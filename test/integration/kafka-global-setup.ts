import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup of the `integration` project: a real single-node Kafka broker (scripts/kafka/start-kafka.sh),
 * unless KAFKA_BOOTSTRAP already names one. Its address reaches the tests as KAFKA_BOOTSTRAP; teardown stops the
 * broker only if this setup started it.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default function setup(): () => void {
  if (process.env.KAFKA_BOOTSTRAP) return () => undefined;
  const bootstrap = execFileSync('bash', ['scripts/kafka/start-kafka.sh'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  process.env.KAFKA_BOOTSTRAP = bootstrap;
  return () => {
    execFileSync('bash', ['scripts/kafka/stop-kafka.sh'], { cwd: ROOT, stdio: 'inherit' });
  };
}
