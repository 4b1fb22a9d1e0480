/** Float32 values as base64 of their little-endian bytes (compact in JSON: 4 bytes → ~5.3 characters, exact). */
export function floatsToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  // 32,768 bytes per call: far below the engines' argument limits (about 65,000 in V8), whatever the array's length.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The inverse of {@link floatsToBase64}. */
export function base64ToFloats(text: string): Float32Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, bytes.length / 4);
}
