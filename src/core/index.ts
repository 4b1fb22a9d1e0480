export { ERROR_CODES, EdgeRecoError, createError, isEdgeRecoError, serializeError, deserializeError } from './errors.js';
export type { ErrorCode, ErrorParams, EdgeRecoErrorOptions, SerializedError } from './errors.js';
export { EVENT_TYPES, EVENT_LIMITS, validateEvent, eventItemIds } from './events.js';
export type {
  EventType, EventProps, EventBase, BehaviourEvent, TrackInput, ViewEvent, ClickEvent, AddToCartEvent,
  RemoveFromCartEvent, PurchaseEvent, PurchaseLine, SearchEvent, ImpressionEvent,
} from './events.js';
export { newEventId, eventIdLowerBound } from './event-id.js';
export { randomId } from './random-id.js';
export { validateCatalog, checkCatalog, parseCatalogDocument, CATALOG_FORMAT, CATALOG_VERSION } from './catalog.js';
export type { CatalogCheck } from './catalog.js';
export type { CatalogItem } from './catalog.js';
export { resolveOptions, databaseName, cachePrefix, DEFAULT_OPTIONS } from './config.js';
export type { RecommenderOptions, ResolvedOptions } from './config.js';
export type { Recommendation, RecommendFilter, RecommendContext, RecommendOptions, RelatedOptions, ResultSource } from './recommendation.js';
export type { EngineApi, EngineInit, EngineInfo } from './worker-api.js';
