// Share links: the URL hash carries an experiment's whole settings (an ExperimentConfig), or a
// life's (`{experiment, firstBudget, lastBudget}`), versioned and compressed: `#x1.` (`#l1.` for
// a life) then the deflate-raw bytes of its JSON in base64url. A link never carries weights or
// traces; those move by export and import.
export const LINK_VERSION = 1;

const toBase64Url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('it has characters a link of the lab never has');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Settings are a few kilobytes; a link that inflates past this is refused as it inflates. */
export const MAX_SETTINGS_BYTES = 1 << 20;

async function pipe(bytes, stream) {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const parts = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > MAX_SETTINGS_BYTES) {
      await reader.cancel();
      throw new RangeError(`its settings inflate past ${MAX_SETTINGS_BYTES >> 20} MB`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(length);
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** The hash (with its '#') that carries `config`: an experiment's settings, or a life's. */
export async function linkHash(config, kind = 'experiment') {
  const json = new TextEncoder().encode(JSON.stringify(config));
  const letter = kind === 'life' ? 'l' : 'x';
  return `#${letter}${LINK_VERSION}.${toBase64Url(await pipe(json, new CompressionStream('deflate-raw')))}`;
}

/** The settings a hash carries: {kind, config} (kind 'experiment' or 'life'), {error} saying
 * what is wrong, or null for no hash. */
export async function readLink(hash) {
  if (!hash || hash === '#') return null;
  const match = /^#([xl])(\d+)\.(.*)$/s.exec(hash);
  if (!match) return { error: 'The link is not an experiment link of this lab (it should start with #x1., or #l1. for a life).' };
  const kind = match[1] === 'l' ? 'life' : 'experiment';
  const version = Number(match[2]);
  if (version > LINK_VERSION) {
    return { error: `The link was made by a newer version of the lab (link version ${version}; this page reads version ${LINK_VERSION}). Reload the lab's latest page.` };
  }
  if (version < 1) return { error: `The link has version ${version}, which never existed.` };
  let json;
  try {
    json = new TextDecoder().decode(await pipe(fromBase64Url(match[3]), new DecompressionStream('deflate-raw')));
  } catch (e) {
    const why = e instanceof RangeError || /characters/.test(e.message) ? e.message : 'its compressed settings end early or are corrupt';
    return { error: `The link is damaged or cut short (${why}).` };
  }
  try {
    return { kind, config: JSON.parse(json) };
  } catch (e) {
    return { error: `The link is damaged or cut short (its settings are not complete JSON: ${e.message}).` };
  }
}
