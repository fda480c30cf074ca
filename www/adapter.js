// The browser's description of its WebGPU adapter, for the lab's and the benchmark's workers:
// wgpu cannot see it yet, so the label comes from JS. Empty where there is no adapter.
export async function adapterLabel() {
  const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return '';
  const info = adapter.info || {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return `${name || 'an unnamed adapter'}${info.isFallbackAdapter ? ' (a software fallback adapter)' : ''}`;
}
