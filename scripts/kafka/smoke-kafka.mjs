// Checks the test broker end to end from Node with @platformatic/kafka: create a topic, produce N records with an
// idempotent producer (acks=all), consume them all back with a consumer group from the earliest offset.
//   node scripts/kafka/smoke-kafka.mjs [bootstrap]      (default: .cache/kafka/run/broker.json, or $KAFKA_BOOTSTRAP)
import { readFileSync } from 'node:fs';
import { Admin, Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers } from '@platformatic/kafka';

const bootstrap = process.argv[2] ?? process.env.KAFKA_BOOTSTRAP
  ?? JSON.parse(readFileSync(new URL('../../.cache/kafka/run/broker.json', import.meta.url), 'utf8')).bootstrap;
const topic = `smoke-${Date.now()}`;
const count = 1000;
const t0 = performance.now();
const ms = () => `${(performance.now() - t0).toFixed(0)} ms`;

const admin = new Admin({ clientId: 'edgereco-smoke', bootstrapBrokers: [bootstrap] });
await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
await admin.close();
console.log(`created ${topic} (3 partitions) at ${ms()}`);

const producer = new Producer({
  clientId: 'edgereco-smoke', bootstrapBrokers: [bootstrap], serializers: stringSerializers,
  idempotent: true, acks: ProduceAcks.ALL,
});
const messages = Array.from({ length: count }, (_, i) => ({ topic, key: `k${i}`, value: JSON.stringify({ i }) }));
const result = await producer.send({ messages });
await producer.close();
console.log(`produced ${count} at ${ms()}; offsets ${JSON.stringify(result.offsets, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`);

const consumer = new Consumer({
  groupId: `${topic}-group`, clientId: 'edgereco-smoke', bootstrapBrokers: [bootstrap], deserializers: stringDeserializers,
});
const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: true });
const seen = new Set();
for await (const message of stream) {
  seen.add(JSON.parse(message.value).i);
  if (seen.size === count) break;
}
await stream.close();
await consumer.close();
console.log(`consumed ${seen.size}/${count} distinct at ${ms()}`);
if (seen.size !== count) process.exit(1);
