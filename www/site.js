// The files the site ships beside the page, fetched by the worker: the command corpus (which
// `Speech` checks against its manifest's checksums) and the pretrained ONE.

/** Resolves to `{ manifest, blob }`, or throws which file could not be fetched and why. */
export async function fetchCorpus() {
  const [manifest, blob] = await Promise.all([
    fetched('corpus/manifest.json').then((r) => r.text()),
    fetched('corpus/corpus.bin').then((r) => r.arrayBuffer()),
  ]);
  return { manifest, blob: new Uint8Array(blob) };
}

/** Resolves to the pretrained ONE's file (www/pretrained/one.onelab), or throws why not. */
export async function fetchPretrained() {
  return new Uint8Array(await (await fetched('pretrained/one.onelab')).arrayBuffer());
}

async function fetched(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}
