export { DB_VERSION } from './schema.js';
export type { EdgeRecoDB, MetaRecord } from './schema.js';
export { migrate } from './migrations.js';
export type { EventLog, RetentionPolicy } from './event-log.js';
export { IdbEventLog, openEventDatabase } from './idb-event-log.js';
export { MemoryEventLog } from './memory-event-log.js';
export { ResilientEventLog } from './resilient-event-log.js';
export { deleteStoreData } from './delete-store-data.js';
