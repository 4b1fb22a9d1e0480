import { resolveOptions } from '../core/config.js';
import type { EngineInit, EngineSettings } from '../core/worker-api.js';

/** Checks the page's options (throws `INVALID_OPTION` naming the bad one) and turns them into the engine's settings. */
export function engineSettings(init: EngineInit): EngineSettings {
  const o = resolveOptions(init.options);
  const settings: EngineSettings = {
    storeId: o.storeId,
    tabId: init.tabId,
    storage: o.storage,
    maxEvents: o.maxEvents,
    maxAgeDays: o.maxAgeDays,
    batchSize: o.batchSize,
    backend: o.backend,
    rules: o.rules,
    optedOut: init.optedOut,
    debug: o.debug,
  };
  if (o.catalog) settings.catalog = o.catalog;
  if (o.catalogUrl) settings.catalogUrl = o.catalogUrl;
  if (o.modelUrl) settings.modelUrl = o.modelUrl;
  if (o.priorsUrl) settings.priorsUrl = o.priorsUrl;
  if (o.search) settings.search = o.search;
  if (o.experiments) settings.experiments = o.experiments;
  if (o.syncUrl) settings.sync = { url: o.syncUrl, key: o.syncKey, topic: o.syncTopic, relayUrl: o.syncRelayUrl, keysUrl: o.syncKeysUrl, epsilon: o.syncEpsilon, ...(o.syncTokens ? { tokens: true } : {}) };
  return settings;
}
