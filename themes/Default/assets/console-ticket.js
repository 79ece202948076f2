// The single-use ticket both consoles open their WebSocket with (kind "screen" for noVNC, "serial" for xterm.js).
// On a refusal (the VM is off, the rack server has no console) the answer's reason is said and the button offers a
// new try; the caller then gets null.

/**
 * @param {{ vmId: string, kind: string, csrf: string, what: string, say: (message: string, kind?: string) => void, connect: HTMLButtonElement }} options
 * @returns {Promise<string | null>} the WebSocket's address, or null when there is none
 */
export async function openConsoleSocket({ vmId, kind, csrf, what, say, connect }) {
  let ticket;
  try {
    const response = await fetch(`/api/v1/vms/${vmId}/console?kind=${encodeURIComponent(kind)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(body.detail || body.title || vcoreText('The {0} could not be opened ({1}).', vcoreText(what), response.status), 'error');
      connect.disabled = false;
      connect.textContent = vcoreText('Try again');
      return null;
    }
    ticket = body;
  } catch {
    say(vcoreText('The portal could not be reached.'), 'error');
    connect.disabled = false;
    return null;
  }

  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${ticket.socketPath}`;
}
