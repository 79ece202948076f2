// The VM console: noVNC (vendor/novnc, MPL-2.0) connected to the portal's console WebSocket with a single-use ticket.
// Each connection asks for a new ticket; a refused ticket (the VM is off, the rack server has no console) is shown as
// the answer's reason.
import RFB from './vendor/novnc/core/rfb.js';
import { openConsoleSocket } from './console-ticket.js';

const XK = { Control_L: 0xffe3, Alt_L: 0xffe9, Shift_L: 0xffe1, Return: 0xff0d, Tab: 0xff09, F1: 0xffbe };

// Characters typed with Shift on a US keyboard: sent with Shift held, as a person would, because a server that maps
// key symbols to scancodes (QEMU) may otherwise type the unshifted key.
const SHIFTED = '~!@#$%^&*()_+{}|:"<>?';
const needsShift = ch => (ch >= 'A' && ch <= 'Z') || SHIFTED.includes(ch);

function keysymOf(ch) {
  if (ch === '\n') return XK.Return;
  if (ch === '\t') return XK.Tab;
  const code = ch.codePointAt(0);
  return code < 0x100 ? code : 0x01000000 | code;
}

function setUp(root) {
  const vmId = root.dataset.vmId;
  const screen = root.querySelector('[data-console-screen]');
  const status = root.querySelector('[data-console-status]');
  const connect = root.querySelector('[data-console-connect]');
  const ctrlAltDel = root.querySelector('[data-console-ctrl-alt-del]');
  const fkey = root.querySelector('[data-console-fkey]');
  const scale = root.querySelector('[data-console-scale]');
  const text = root.querySelector('[data-console-text]');
  const type = root.querySelector('[data-console-type]');
  const live = [ctrlAltDel, fkey, type];
  let rfb = null;

  const say = (message, kind) => {
    status.textContent = message;
    status.dataset.kind = kind || '';
  };
  const enable = on => live.forEach(el => { el.disabled = !on; });

  async function open() {
    if (rfb) return;
    connect.disabled = true;
    say(vcoreText('Connecting…'));
    const address = await openConsoleSocket({ vmId, kind: 'screen', csrf: root.dataset.csrf, what: 'console', say, connect });
    if (!address) return;
    rfb = new RFB(screen, address, { shared: true });
    rfb.scaleViewport = scale.checked;
    rfb.focusOnClick = true;
    rfb.addEventListener('connect', () => {
      root.dataset.consoleState = 'connected';
      say(vcoreText('Connected. Click the screen to type into it.'), 'ok');
      connect.textContent = vcoreText('Disconnect');
      connect.disabled = false;
      enable(true);
      rfb.focus();
    });
    rfb.addEventListener('disconnect', event => {
      root.dataset.consoleState = 'disconnected';
      rfb = null;
      enable(false);
      say(vcoreText(event.detail.clean ? 'The console was closed.' : 'The connection to the screen was lost.'), event.detail.clean ? '' : 'error');
      connect.textContent = vcoreText('Reconnect');
      connect.disabled = false;
    });
    rfb.addEventListener('desktopname', event => { screen.title = event.detail.name; });
  }

  connect.addEventListener('click', () => {
    if (rfb) {
      rfb.disconnect();
    } else {
      open();
    }
  });
  ctrlAltDel.addEventListener('click', () => rfb && rfb.sendCtrlAltDel());
  fkey.addEventListener('change', () => {
    const n = Number(fkey.value);
    fkey.value = '';
    if (!rfb || !n) return;
    rfb.sendKey(XK.Control_L, 'ControlLeft', true);
    rfb.sendKey(XK.Alt_L, 'AltLeft', true);
    rfb.sendKey(XK.F1 + n - 1, `F${n}`);
    rfb.sendKey(XK.Alt_L, 'AltLeft', false);
    rfb.sendKey(XK.Control_L, 'ControlLeft', false);
    rfb.focus();
  });
  scale.addEventListener('change', () => { if (rfb) rfb.scaleViewport = scale.checked; });
  type.addEventListener('click', async () => {
    const target = rfb;
    if (!target) return;
    type.disabled = true;
    try {
      for (const ch of text.value.replace(/\r\n?/g, '\n')) {
        if (rfb !== target) return;
        const shift = needsShift(ch);
        if (shift) target.sendKey(XK.Shift_L, 'ShiftLeft', true);
        target.sendKey(keysymOf(ch), null);
        if (shift) target.sendKey(XK.Shift_L, 'ShiftLeft', false);
        // A guest's PS/2 keyboard holds only a few keys: sent all at once, a busy guest loses some of them.
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    } finally {
      type.disabled = false;
    }
    target.focus();
  });

  if ('consoleAutoconnect' in root.dataset) open();
}

document.querySelectorAll('[data-console]').forEach(setUp);
