import { MAX_NEIGHBOUR_HOPS } from '../../src/model/model-bundle.js';
import type { CommandSpec, OptionSpec } from './option-spec.js';
import { EVENT_FORMATS, RETAIL_SEQUENCES } from './read-events.js';
import { APPROXIMATE_FROM, PROBE_FRACTION, TAIL_CLUSTERS, TAIL_MEMORY_CLUSTERS, TAIL_PACKS } from '../../src/model/candidate-policy.js';

/**
 * Every option of every `edgereco` command, with its type, default and one-line doc: the one place they are declared.
 * `parseArgs` refuses what is not here, `--help` prints these tables, and the commands read their defaults from them.
 * `experimental` marks research options (kept to reproduce the committed bundles, or for experiments; not in
 * docs/training.md). What was tried and not kept is in `removed`, with where its numbers went (docs/experiments.md).
 */

const INPUT: Record<string, OptionSpec> = {
  events: { type: 'string', value: 'FILE', required: true, doc: 'the behaviour export (a file; the UCI Online Retail folder for online-retail)' },
  format: { type: 'choice', choices: EVENT_FORMATS, default: 'csv', doc: 'csv: user_id,item_id,timestamp,event_type; sasrec: "user item" lines; s3rec: "user item item ..." lines' },
  sequence: { type: 'choice', choices: RETAIL_SEQUENCES, default: 'invoice', doc: 'online-retail only: one sequence per invoice (published), per invoice in line order, or per customer' },
};

const BACKEND: OptionSpec = { type: 'choice', choices: ['wasm', 'cpu'], default: 'wasm', experimental: true, doc: 'the TensorFlow.js backend in Node (cpu: for tests)' };

const SELECT: OptionSpec = { type: 'choice', choices: ['full', 'sampled'], default: 'full', doc: 'which validation NDCG@10 chooses: full ranking (what shoppers see) or against sampled negatives' };
const EVAL_USERS: OptionSpec = { type: 'integer', min: 0, default: 0, value: 'N', doc: 'validate on every k-th user, about N of them (0: all)' };

/** `--members auto`: at most this many. */
export const AUTO_MEMBERS_MAX = 4;
/**
 * `--members auto`: no more members than keep the browser's scoring product as wide as two over this many items (the
 * Games bundle's two over 23,715: warm `recommend()` within its 3 ms on WASM).
 */
export const AUTO_MEMBERS_ITEMS = 25_000;
/**
 * `--loss auto` trains the full softmax up to this many items: a batch of 128 sequences of 50 targets, plus 1,024
 * negatives, shares a few thousand distinct items, so the whole catalog costs about the same there.
 */
export const FULL_SOFTMAX_ITEMS = 5000;

const NOT_KEPT = 'an experiment that was not kept (docs/experiments.md has its numbers)';

export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'train the click model on a behaviour export and write a bundle (int8, and its f32 twin)',
  usage: 'train --events FILE --format csv|sasrec|s3rec|online-retail --out DIR [options]',
  options: {
    ...INPUT,
    out: { type: 'string', value: 'DIR', doc: 'where to write the bundle (DIR, and DIR/f32 for the float32 twin); nothing is written without it' },
    attributes: { type: 'string', value: 'FILE', doc: 'item attributes, { "itemId": [attributeId, ...] } (e.g. category and brand ids)' },
    split: { type: 'choice', choices: ['none', 'leave-one-out'], default: 'none', doc: 'leave-one-out holds out each user\'s last two events (validation, test) for `evaluate`' },
    epochs: { type: 'integer', min: 1, default: 200, value: 'N', doc: 'at most N epochs' },
    minutes: { type: 'number', min: 0, positive: true, default: 60, value: 'M', doc: 'stop after M minutes (the whole run, for an ensemble)' },
    seed: { type: 'integer', min: 0, default: 1, value: 'S', doc: 'the seed: the same seed and data give the same bundle' },
    'eval-every': { type: 'integer', min: 0, auto: true, default: 'auto', value: 'K', doc: 'rank the validation items every K epochs and keep the best epoch; auto: as often as costs a fifth of the training time; 0: no validation, keep the last epoch' },
    'eval-users': { ...EVAL_USERS, default: 6000 },
    select: SELECT,
    patience: { type: 'integer', min: 0, auto: true, default: 'auto', value: 'P', doc: 'stop after P validation rounds without a better NDCG@10; auto: 3 rounds and at least 5 epochs; 0: never' },
    continue: { type: 'integer', min: 0, auto: true, default: 'auto', value: 'N', doc: 'after the choices, train N more epochs on all the data (the validation items too) for the shipped bundle; auto: a tenth of the kept epochs, at least 1; 0: ship the chosen epoch as it is' },
    neighbours: { type: 'integer', min: 0, max: 1000, default: 20, value: 'K', doc: 'a co-occurrence memory of K neighbours per item, its weight chosen on validation (none when no better); 0: none' },
    'prior-weight': { type: 'number', min: 0, auto: true, default: 'auto', value: 'W', doc: 'weight of the popularity prior log(1 + count); auto: chosen on validation (0 without one)' },
    features: { type: 'choice', choices: ['auto', 'none'], default: 'auto', doc: 'auto: read event types and gaps when the data varies in them; none: items only' },
    members: { type: 'integer', min: 1, auto: true, default: 'auto', value: 'K', doc: `an ensemble of K models (seeds S, S+1, ...) in one bundle that averages their scores; auto: one per core side by side, then more while the time allows, at most ${AUTO_MEMBERS_MAX} and as many as keep the scoring product as wide as two models over ${AUTO_MEMBERS_ITEMS.toLocaleString('en')} items` },
    parallel: { type: 'integer', min: 1, default: 'cores', value: 'P', doc: 'ensemble members trained at a time, one core each' },
    'lr-schedule': { type: 'choice', choices: ['constant', 'cosine'], default: 'constant', doc: 'cosine lowers the learning rate to 0 over --epochs, so a fixed budget ends settled' },
    dim: { type: 'integer', min: 1, default: 64, value: 'D', doc: 'the model\'s width (item vectors of D floats)' },
    blocks: { type: 'integer', min: 1, default: 2, value: 'B', doc: 'self-attention blocks' },
    'max-length': { type: 'integer', min: 1, default: 50, value: 'L', doc: 'the model reads the last L events of a history' },
    loss: {
      type: 'choice',
      choices: ['auto', 'sampled-softmax', 'softmax', 'bce'],
      removedChoices: { 'uniform-softmax': NOT_KEPT },
      default: 'auto',
      experimental: true,
      doc: `auto: softmax over every item up to ${FULL_SOFTMAX_ITEMS.toLocaleString('en')} items (it costs no more than the sampled one there), else sampled-softmax (the batch's targets and --negatives uniform items); bce: SASRec's binary cross-entropy`,
    },
    negatives: { type: 'integer', min: 1, default: 1024, value: 'N', experimental: true, doc: 'uniform negatives per batch of the sampled softmax' },
    batch: { type: 'integer', min: 1, default: 128, value: 'N', experimental: true, doc: 'sequences per batch' },
    lr: { type: 'number', min: 0, positive: true, default: 0.001, experimental: true, doc: 'Adam\'s learning rate' },
    heads: { type: 'integer', min: 1, default: 1, experimental: true, doc: 'attention heads (must divide --dim)' },
    positions: { type: 'choice', choices: ['distance', 'recency'], default: 'distance', experimental: true, doc: 'distance: each block\'s attention is biased by distance from the attending item (bundle format 5); recency: a vector per recency added to the item\'s (the bundles made before 2026-12-07)' },
    ffn: { type: 'integer', min: 1, default: '--dim', experimental: true, doc: 'the feed-forward layer\'s width' },
    dropout: { type: 'number', min: 0, max: 0.95, default: 0.5, experimental: true, doc: 'dropout rate in training' },
    backend: BACKEND,
    'write-chosen': { type: 'flag', experimental: true, doc: 'an ensemble member: also write the chosen epoch, before --continue, to DIR/chosen (float32)' },
  },
  removed: {
    'future-targets': NOT_KEPT,
    'future-weight': NOT_KEPT,
    memory: `${NOT_KEPT}; add the memory after training with \`edgereco neighbours\``,
    'memory-weight': `${NOT_KEPT}; \`edgereco neighbours --weight\` sets the memory's weight`,
    'memory-gain': `${NOT_KEPT}; \`edgereco neighbours --gain\` sets the memory's gain`,
  },
};

export const NEIGHBOURS: CommandSpec = {
  name: 'neighbours',
  summary: 'give a trained bundle a co-occurrence memory (minutes, no retraining)',
  usage: 'neighbours --events FILE --format F --model DIR [options]',
  options: {
    ...INPUT,
    model: { type: 'string', value: 'DIR', required: true, doc: 'the bundle to rewrite (DIR and DIR/f32), trained on these events' },
    neighbours: { type: 'integer', min: 1, max: 1000, default: 20, value: 'K', doc: 'neighbours kept per item (3 bytes each in the int8 bundle)' },
    weight: { type: 'number', min: 0, auto: true, default: 'auto', value: 'W', doc: 'the memory\'s weight; auto: chosen on validation with a split, else 1' },
    gain: { type: 'number', min: 0, positive: true, auto: true, default: 'auto', value: 'G', doc: 'the memory\'s gain; auto: chosen on validation with a split, else 100' },
    select: SELECT,
    'eval-users': EVAL_USERS,
    negatives: { type: 'integer', min: 1, default: 99, value: 'N', doc: 'negatives per user for --select sampled' },
    hops: {
      type: 'integer', min: 1, max: MAX_NEIGHBOUR_HOPS, auto: true, default: 'auto', value: 'H', experimental: true,
      doc: 'steps of the walk through the lists (bundle format 3); auto: 1 to 3 chosen on validation with a split, else 1',
    },
    paths: { type: 'number', min: 0, positive: true, auto: true, default: 'auto', value: 'P', experimental: true, doc: 'weight per extra step of the walk; auto: 0.3, 1, 3 on validation, else 1' },
    backend: BACKEND,
  },
};

export const EVALUATE: CommandSpec = {
  name: 'evaluate',
  summary: 'rank held-out items with a bundle (int8 and f32) and the popularity and item-kNN baselines',
  usage: 'evaluate --events FILE --format F --model DIR [options]',
  options: {
    ...INPUT,
    model: { type: 'string', value: 'DIR', doc: 'a bundle trained with --split leave-one-out on these events (without it: the baselines only)' },
    protocol: { type: 'choice', choices: ['full', 'sampled'], default: 'full', doc: 'full: against the whole catalog; sampled: against --negatives random items' },
    negatives: { type: 'integer', min: 1, default: 99, value: 'N', doc: 'random items per user for --protocol sampled' },
    target: { type: 'choice', choices: ['test', 'validation'], default: 'test', doc: 'which held-out item to rank' },
    seed: { type: 'integer', min: 0, default: 42, value: 'S', doc: 'the seed of the sampled negatives' },
    scoring: {
      type: 'choice',
      choices: ['exact', 'approximate', 'tiered'],
      default: 'exact',
      doc: `approximate: the int8 model scores only its candidates (best clusters, head, memory), as the worker does from ${APPROXIMATE_FROM.toLocaleString('en')} items; tiered: as the worker scores a tiered catalog (edgereco tiers): a head bundle of the --head-share most popular items, plus the tail items in the shards the history names`,
    },
    'head-share': { type: 'number', positive: true, max: 1, default: 0.02, value: 'F', doc: 'with --scoring tiered: the share of the catalog in the head (the bench store: 20,000 of 1,000,000)' },
    'without-tail-inputs': { type: 'flag', doc: 'with --scoring tiered: the state reads the head items only (as the worker did before tail items became inputs)', experimental: true },
    'shard-share': { type: 'number', positive: true, max: 1, default: 0.0005, value: 'F', doc: 'with --scoring tiered: the share of the catalog in one shard (the bench store: 500 of 1,000,000)' },
    'tail-clusters': { type: 'integer', min: 0, default: TAIL_CLUSTERS, value: 'N', doc: 'with --scoring tiered: the tail clusters (by the model\'s rows, a shard\'s size each) scored per history, those whose centroids score best, as the worker does (0: hash shards only)' },
    'tail-memory': { type: 'integer', min: 0, default: TAIL_MEMORY_CLUSTERS, value: 'N', doc: 'with --scoring tiered and a memory: the N tail clusters the history\'s items point to most, and the memory\'s one-step terms for the clusters\' items, as the worker does (0: none)' },
    'exact-head': { type: 'flag', doc: 'with --scoring tiered: the head items scored by the whole bundle instead of the head bundle (an upper bound for the head\'s own walk)', experimental: true },
    'tail-memory-items': { type: 'integer', min: 0, default: 0, value: 'N', doc: 'with --scoring tiered --tail-memory: also the N tail items of largest one-step memory terms, wherever they lie (an upper bound: a page would fetch their rows item by item)', experimental: true },
    'tail-walk-terms': { type: 'flag', doc: 'with --scoring tiered: the scored tail items get the whole model\'s memory-walk terms instead of the one-step incoming terms (an upper bound; an experiment)', experimental: true },
    'tail-walk-incoming': { type: 'integer', min: 0, default: 0, value: 'T', doc: 'with --scoring tiered --tail-memory: each loaded tail item\'s T largest incoming terms of the whole memory walk instead of its one-step incoming lists (an experiment)', experimental: true },
    'tail-head-walk': { type: 'flag', doc: 'with --scoring tiered --tail-memory and a walk of 2 or 3 steps: each incoming list\'s source weighted as the head bundle\'s walk reaches it, so tail items get the paths through head items (an experiment)', experimental: true },
    'tail-one-step': { type: 'flag', doc: 'with --scoring tiered and memory packs: the tail items get the memory\'s first step only, without the walk through the packs\' lists (as before 2026-12-07; an experiment)', experimental: true },
    'tail-late-clusters': { type: 'flag', doc: 'with --scoring tiered: the clusters by centroid and by memory chosen for the history before its last item, as a page\'s first answer has them when the new ones come late (the worker waits a short time for them once it has answered before; an experiment)', experimental: true },
    'tail-longer-packs': { type: 'integer', min: 0, default: 0, value: 'M', doc: 'with --scoring tiered --tail-memory: the packs of the 24 latest items also carry each item\'s M largest terms of the walk\'s longer steps toward the tail (an experiment)', experimental: true },
    'tail-memory-packs': { type: 'integer', min: 0, default: TAIL_PACKS, value: 'P', doc: 'with --scoring tiered --tail-memory: also every tail neighbour of the P latest distinct history items, as the worker scores the memory packs (`tiers.packs`) of the shopper\'s latest items (0: none)' },
    'tail-memory-clusters': { type: 'integer', min: 0, default: 0, value: 'N', doc: 'with --scoring tiered: also the N clusters holding most of the whole model\'s memory terms over tail items, with those terms (an upper bound: a page cannot walk the whole memory)', experimental: true },
    probe: { type: 'number', positive: true, max: 1, default: PROBE_FRACTION, value: 'F', doc: 'with --scoring approximate: the share of clusters probed', experimental: true },
    json: { type: 'flag', doc: 'print one line of JSON' },
    backend: BACKEND,
  },
};

export const EVALUATE_SEARCH: CommandSpec = {
  name: 'evaluate-search',
  summary: 'graded NDCG@10 of the search configuration against MiniSearch\'s defaults on judged queries',
  usage: 'evaluate-search [--catalog FILE --judgments FILE] [--out FILE] [--json]',
  options: {
    catalog: { type: 'string', value: 'FILE', default: 'demo/data/icecat/catalog.json.gz', doc: 'the catalog (JSON, or gzipped JSON); the default is the repository\'s demo data' },
    judgments: { type: 'string', value: 'FILE', default: 'demo/data/icecat/judgments.json', doc: 'graded judgments per query' },
    out: { type: 'string', value: 'FILE', doc: 'where to write the JSON result (default: bench/results/search.json for the repository\'s Icecat data; nothing for a --catalog of yours)' },
    json: { type: 'flag', doc: 'print only the JSON' },
  },
};

export const TIERS: CommandSpec = {
  name: 'tiers',
  summary: 'split a large catalog (and its model) into a head shipped on every page and tail shards fetched on demand',
  usage: 'tiers --catalog FILE [--model DIR] [--head N] [--shard-items N] --out DIR',
  options: {
    catalog: { type: 'string', value: 'FILE', required: true, doc: 'the full catalog: JSON (a catalog document or an array of items) or CSV, as the SDK reads it; .gz is gunzipped' },
    model: { type: 'string', value: 'DIR', doc: 'the full model bundle (from `edgereco train`; its f32 twin is used when present): writes OUT/model, the head\'s bundle, and each shard\'s scoring rows' },
    head: { type: 'integer', min: 1, default: 20000, value: 'N', doc: 'items in the head: the N most popular (the catalog\'s popularity, else the model\'s prior, else the first N rows)' },
    'shard-items': { type: 'integer', min: 1, default: 500, value: 'N', doc: 'tail items per shard, on average (shards = ceil(tail / N))' },
    out: { type: 'string', value: 'DIR', required: true, doc: 'where to write catalog.json, shards/K.json and, with --model, model/ and clusters/' },
    json: { type: 'flag', doc: 'print the summary as one line of JSON' },
    backend: BACKEND,
  },
};

export const EVALUATE_RERANK: CommandSpec = {
  name: 'evaluate-rerank',
  summary: 'personalized re-ranking on Amazon Beauty (S3-Rec files): MRR before and after the model\'s fusion',
  usage: 'evaluate-rerank --events s3rec_Beauty.txt --attributes FILE --model DIR [--json]',
  experimental: true,
  options: {
    events: { type: 'string', value: 'FILE', required: true, doc: 'the S3-Rec sequences' },
    attributes: { type: 'string', value: 'FILE', required: true, doc: 'the S3-Rec item attributes' },
    model: { type: 'string', value: 'DIR', required: true, doc: 'a bundle trained with --split leave-one-out' },
    users: { type: 'integer', min: 0, default: 0, value: 'N', doc: 'the first N users only (0: all)' },
    out: { type: 'string', value: 'FILE', doc: 'also write the result as JSON' },
    json: { type: 'flag', doc: 'print one line of JSON' },
  },
};

export const INDEX: CommandSpec = {
  name: 'index',
  summary: `give a bundle the clusters that let a large catalog (${APPROXIMATE_FROM.toLocaleString('en')} items or more) score candidates, not every item`,
  usage: 'index --model DIR [options]',
  options: {
    model: { type: 'string', value: 'DIR', required: true, doc: 'the bundle to give clusters (adds clusters.bin, format version 4)' },
    clusters: { type: 'integer', min: 1, auto: true, default: 'auto', value: 'N', doc: 'k-means clusters of the item scoring rows; auto: 4√items' },
    seed: { type: 'integer', min: 0, default: 42, value: 'S', doc: 'the seed of the first centroids' },
    backend: BACKEND,
  },
};

/** The commands `edgereco` runs, in the order `edgereco --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [TRAIN, NEIGHBOURS, EVALUATE, EVALUATE_SEARCH, TIERS, EVALUATE_RERANK, INDEX];
