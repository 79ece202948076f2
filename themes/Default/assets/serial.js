// The VM's serial console: xterm.js (vendor/xterm, MIT) connected to the portal's console WebSocket with a
// single-use ticket of kind "serial"; the socket carries the terminal's bytes both ways.
import { Terminal } from './vendor/xterm/xterm.module.js';
import { openConsoleSocket } from './console-ticket.js';

function setUp(root) {
  const vmId = root.dataset.vmId;
  const status = root.querySelector('[data-serial-status]');
  const connect = root.querySelector('[data-serial-connect]');
  const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000, convertEol: false });
  term.open(root.querySelector('[data-serial-terminal]'));
  const encoder = new TextEncoder();
  let socket = null;

  const say = (message, kind) => {
    status.textContent = message;
    status.dataset.kind = kind || '';
  };

  term.onData(data => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
  });

  async function open() {
    if (socket) return;
    connect.disabled = true;
    say(vcoreText('Connecting…'));
    const address = await openConsoleSocket({ vmId, kind: 'serial', csrf: root.dataset.csrf, what: 'serial console', say, connect });
    if (!address) return;
    socket = new WebSocket(address);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      root.dataset.serialState = 'connected';
      say(vcoreText('Connected. Press Enter if the guest shows nothing yet.'), 'ok');
      connect.textContent = vcoreText('Disconnect');
      connect.disabled = false;
      term.focus();
    });
    socket.addEventListener('message', event => term.write(new Uint8Array(event.data)));
    socket.addEventListener('close', event => {
      root.dataset.serialState = 'disconnected';
      socket = null;
      say(vcoreText(event.code === 4403 ? 'You may no longer operate this vServer.' : event.wasClean ? 'The serial console was closed.' : 'The connection was lost.'), event.wasClean ? '' : 'error');
      connect.textContent = vcoreText('Reconnect');
      connect.disabled = false;
    });
  }

  connect.addEventListener('click', () => {
    if (socket) {
      socket.close(1000, 'closed by the user');
    } else {
      open();
    }
  });
  open();
}

document.querySelectorAll('[data-serial]').forEach(setUp);
