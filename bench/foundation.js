// Runs in Chromium (bench/foundation.html). Every figure is a median over repeated runs in this one page load.

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const tick = () => new Promise((r) => setTimeout(r, 0));
const view = (i) => ({ type: 'view', itemId: `sku-${i % 5000}` });

/** Main-thread time of track(): a burst of calls plus the end-of-task hand-over to the worker, per call. */
async function trackMainThread(reco, bursts, perBurst) {
  const perCall = [];
  for (let b = 0; b < bursts; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBurst; i++) void reco.track(view(b * perBurst + i));
    await null; // runs the SDK's batch hand-over (queued on the first call) inside the measurement
    perCall.push(((performance.now() - t0) / perBurst) * 1000);
    await tick();
  }
  await reco.exportData(); // drain
  return median(perCall);
}

/** Sustained rate: `total` events tracked in bursts as a busy page would, until the last one is durable. */
async function sdkThroughput(reco, total, perBurst) {
  const t0 = performance.now();
  let last;
  for (let i = 0; i < total; i += perBurst) {
    for (let j = 0; j < perBurst; j++) last = reco.track(view(i + j));
    await tick();
  }
  await last;
  await reco.exportData(); // resolves only once every earlier event is stored
  return total / ((performance.now() - t0) / 1000);
}

/** The naive design: each event in its own IndexedDB transaction, written from the page as it comes. */
async function naiveThroughput(total) {
  const name = `naive-${Math.random()}`;
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('events', { keyPath: 'eventId' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const t0 = performance.now();
  const done = [];
  for (let i = 0; i < total; i++) {
    const tx = db.transaction('events', 'readwrite');
    tx.objectStore('events').put({ eventId: `${i}-${Math.random()}`, ts: Date.now(), ...view(i) });
    done.push(new Promise((resolve, reject) => ((tx.oncomplete = resolve), (tx.onerror = () => reject(tx.error)))));
    if (i % 500 === 499) await tick();
  }
  await Promise.all(done);
  const rate = total / ((performance.now() - t0) / 1000);
  db.close();
  indexedDB.deleteDatabase(name);
  return rate;
}

export async function runFoundationBench(sdk) {
  const out = { crossOriginIsolated: self.crossOriginIsolated, runs: 3 };
  const reco = sdk.createRecommender({ storeId: 'bench-track' });
  await reco.recommend({ k: 1 }); // worker up and database open
  await trackMainThread(reco, 10, 200); // warm-up
  const mainThread = [];
  for (let r = 0; r < out.runs; r++) mainThread.push(await trackMainThread(reco, 50, 200));
  const rates = [];
  const naive = [];
  for (let r = 0; r < out.runs; r++) {
    const store = sdk.createRecommender({ storeId: `bench-rate-${r}` });
    await store.recommend({ k: 1 });
    rates.push(await sdkThroughput(store, 20_000, 500));
    await store.forget();
    await store.close();
    naive.push(await naiveThroughput(5_000));
  }
  await reco.forget();
  out.track_main_thread_us_p50 = median(mainThread);
  out.track_events_per_s = median(rates);
  out.naive_events_per_s = median(naive);
  out.samples = { track_main_thread_us: mainThread, track_events_per_s: rates, naive_events_per_s: naive };
  return out;
}
