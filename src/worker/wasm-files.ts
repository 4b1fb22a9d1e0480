/**
 * Where the TensorFlow.js WASM binaries are: next to the worker file, each written as a literal
 * `new URL('./file.wasm', import.meta.url)`, the pattern a store's bundler (Vite, webpack 5) detects statically: it
 * copies the file into the store's build and rewrites the URL, so nothing needs configuring. The `@vite-ignore`
 * comment keeps edgereco's own build from touching them (the minifier drops it, dist/ keeps the literal).
 *
 * Only the single-threaded builds are shipped: threads are off (see src/model/backend-select.ts), so tfjs never
 * fetches the threaded binary; its entry points at the SIMD one because `setWasmPaths` wants all three names.
 */
export function wasmFiles(): Record<string, string> {
  const simd = new URL(/* @vite-ignore */ './tfjs-backend-wasm-simd.wasm', import.meta.url).href;
  return {
    'tfjs-backend-wasm.wasm': new URL(/* @vite-ignore */ './tfjs-backend-wasm.wasm', import.meta.url).href,
    'tfjs-backend-wasm-simd.wasm': simd,
    'tfjs-backend-wasm-threaded-simd.wasm': simd,
  };
}
