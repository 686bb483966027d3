// The sale board's buying part: a Hold button on every card and, on a product with a waiting
// room (queue_enabled), "Join the queue" first: the ticket's place and wait, then "It's your
// turn" with a Hold button that carries the ticket's admission token. Plain browser JavaScript,
// loaded before sale-board.js, which calls window.saleBoardBuy for each card.
//
// The ticket is followed live on its stream (EventSource, `event: queue`); while the stream is
// refused (`event: busy`: the browser comes back by itself after the server's `retry:`) or not
// there (a 404: no such ticket, or a server without ticket streams) the board reads the ticket
// every 2 s instead. Either one keeps the place: an open stream and a read both count as presence.
//
// The buyer: this board has no login, so it names the buyer itself, with a random reference
// kept in this browser (localStorage), as a storefront would send its own customer reference.
// With BUYER_AUTH=jwt the API wants a bearer token the board does not have: it shows the
// refusal. The ticket (its id, the place in the line, and the nonce behind its entry_hash) lives
// in sessionStorage, per tab, so a reload keeps the place.
'use strict';

(() => {
  const BUYER_KEY = 'flash-sale.buyer';
  const TICKET_KEY = (productId) => `flash-sale.ticket.${productId}`;
  // Without its stream, the ticket is read this often: soon enough to show the turn, and well
  // within QUEUE_ABANDON_SECONDS (60 by default), after which a waiting ticket not seen is skipped.
  const POLL_MS = 2000;
  const FINAL = new Set(['sold_out', 'expired']);
  const buyers = new Map(); // product id -> the card's buying state

  // 18 random bytes as 24 URL-safe characters (144 bits): the nonce the contract asks for
  // (22 to 128 of [A-Za-z0-9_-], at least 128 bits) and the board's buyer reference.
  function randomToken() {
    const bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return window
      .btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
  }

  function buyerId() {
    let id = window.localStorage.getItem(BUYER_KEY);
    if (!id) {
      id = `board-${randomToken()}`;
      window.localStorage.setItem(BUYER_KEY, id);
    }
    return id;
  }

  function storedTicket(productId) {
    try {
      return JSON.parse(window.sessionStorage.getItem(TICKET_KEY(productId)) ?? 'null');
    } catch {
      return null;
    }
  }

  /** Calls the API; an error answer (the envelope's `code` and `message`) is thrown as an Error. */
  async function api(method, path, body, headers = {}) {
    const response = await fetch(path, {
      method,
      headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = new Error(payload?.message ?? `HTTP ${response.status}`);
      error.status = response.status;
      error.code = payload?.code ?? `HTTP_${response.status}`;
      throw error;
    }
    return payload.data;
  }

  /** What a refusal means to the person at the board. */
  function refusal(error) {
    if (error.code === 'POW_REQUIRED' || error.code === 'POW_INVALID') {
      return 'This queue asks for a proof of work, which this board does not solve: join from the shop.';
    }
    if (error.status === 401) return 'Sign in to the shop to buy (this shop checks who buys).';
    return error.message;
  }

  function create(root, product) {
    const part = (selector) => root.querySelector(selector);
    const state = {
      product,
      root,
      queue: part('.queue'),
      join: part('.join'),
      hold: part('.hold'),
      held: part('.held'),
      ticket: null,
      source: undefined,
      polling: false,
      timer: undefined,
      busy: false,
    };
    buyers.set(product.id, state);
    state.join.addEventListener('click', () => void join(state));
    state.hold.addEventListener('click', () => void hold(state));
    const saved = product.queue_enabled ? storedTicket(product.id) : null;
    if (saved) {
      state.ticket = { ticket_id: saved.ticket_id, status: 'waiting', position: null };
      follow(state);
    }
    render(state);
  }

  function update(product) {
    const state = buyers.get(product.id);
    if (!state) return;
    const wasQueued = state.product.queue_enabled;
    state.product = product;
    // The queue turned off: every ticket is expired and holds need no token any more.
    if (wasQueued && !product.queue_enabled) forget(state);
    render(state);
  }

  function remove(productId) {
    const state = buyers.get(productId);
    if (!state) return;
    stop(state);
    buyers.delete(productId);
  }

  function forget(state) {
    stop(state);
    state.ticket = null;
    window.sessionStorage.removeItem(TICKET_KEY(state.product.id));
  }

  async function join(state) {
    if (state.busy) return;
    state.busy = true;
    state.join.disabled = true;
    say(state.held, '');
    const productId = state.product.id;
    const nonce = randomToken();
    try {
      const ticket = await api('POST', `/api/products/${productId}/queue`, {
        customer_id: buyerId(),
        nonce,
      });
      window.sessionStorage.setItem(
        TICKET_KEY(productId),
        JSON.stringify({ ticket_id: ticket.ticket_id, nonce }),
      );
      // Joining again (after a passed turn): the old ticket's stream goes, the new one's comes.
      stop(state);
      receive(state, ticket);
    } catch (error) {
      say(state.held, refusal(error), 'error');
    } finally {
      state.busy = false;
      render(state);
    }
  }

  function receive(state, ticket) {
    state.ticket = ticket;
    render(state);
    if (FINAL.has(ticket.status)) stop(state);
    else if (!state.source) follow(state);
  }

  /** The ticket's stream; reads every 2 s while it is refused or missing. */
  function follow(state) {
    if (state.source) return;
    const ticketId = state.ticket.ticket_id;
    const source = new EventSource(`/api/products/${state.product.id}/queue/${ticketId}/stream`);
    state.source = source;
    source.addEventListener('queue', (event) => {
      if (state.source !== source) return;
      stopPolling(state);
      receive(state, JSON.parse(event.data));
    });
    // Refused for now: the stream ends and comes back after its `retry:`; read meanwhile.
    source.addEventListener('busy', () => poll(state, false));
    source.addEventListener('error', () => {
      // CLOSED: the answer was no event stream (a 404), and EventSource will not try again.
      if (source.readyState !== EventSource.CLOSED || state.source !== source) return;
      state.source = undefined;
      poll(state, true);
    });
  }

  /** Reads the ticket every 2 s (at once if `now`) until its stream delivers, or for good without one. */
  function poll(state, now) {
    state.polling = true;
    if (now) {
      stopTimer(state);
      void read(state);
    } else if (state.timer === undefined) {
      state.timer = window.setTimeout(() => void read(state), POLL_MS);
    }
  }

  function stopTimer(state) {
    window.clearTimeout(state.timer);
    state.timer = undefined;
  }

  function stopPolling(state) {
    state.polling = false;
    stopTimer(state);
  }

  function stop(state) {
    stopPolling(state);
    state.source?.close();
    state.source = undefined;
  }

  /** One read of the ticket (it counts as presence); the next one in 2 s while polling. */
  async function read(state) {
    state.timer = undefined;
    const ticketId = state.ticket?.ticket_id;
    if (!ticketId) return;
    try {
      const ticket = await api('GET', `/api/products/${state.product.id}/queue/${ticketId}`);
      // The stream took over meanwhile (its event is newer), or the ticket changed.
      if (!state.polling || state.ticket?.ticket_id !== ticketId) return;
      state.ticket = ticket;
      render(state);
      if (FINAL.has(ticket.status)) return stop(state);
    } catch (error) {
      if (error.status === 404) {
        // The place is gone (the line was reset): offer to join again.
        forget(state);
        render(state);
        return;
      }
      // A network blip: the next read tries again.
    }
    if (state.polling) poll(state, false);
  }

  async function hold(state) {
    if (state.busy) return;
    state.busy = true;
    state.hold.disabled = true;
    const productId = state.product.id;
    const token = state.product.queue_enabled ? state.ticket?.admission_token : undefined;
    try {
      const created = await api(
        'POST',
        '/api/holds',
        { product_id: productId, quantity: 1, customer_id: buyerId() },
        token ? { 'admission-token': token } : {},
      );
      const until = new Date(created.hold_expires_at).toLocaleTimeString();
      say(state.held, `Held ${created.quantity} (hold ${created.hold_id}) until ${until}.`, 'ok');
    } catch (error) {
      say(state.held, refusal(error), 'error');
    } finally {
      state.busy = false;
      render(state);
    }
  }

  function say(element, text, kind) {
    element.textContent = text;
    if (kind) element.dataset.kind = kind;
    else delete element.dataset.kind;
  }

  /** Shows what the buyer can do now: hold; join; wait; hold with the admission. */
  function render(state, now = Date.now()) {
    const { product, ticket } = state;
    let status = ticket?.status;
    // An admission ends at admission_expires_at, whether the server has said so yet or not.
    if (status === 'admitted' && Date.parse(ticket.admission_expires_at) <= now) status = 'expired';
    const canJoin = product.queue_enabled && (!ticket || FINAL.has(status));
    const canHold = !product.queue_enabled || status === 'admitted';
    state.root.dataset.queue = product.queue_enabled ? (status ?? 'none') : 'off';
    state.join.hidden = !canJoin;
    state.join.disabled = state.busy;
    state.join.textContent = status === 'expired' ? 'Join the queue again' : 'Join the queue';
    state.hold.hidden = !canHold;
    state.hold.disabled = state.busy || !onSale(product, now);
    say(state.queue, product.queue_enabled ? queueText(product, ticket, status, now) : '');
  }

  // The sale board's "On sale" (a click a moment early is refused: 409 SALE_NOT_STARTED).
  function onSale(product, now) {
    if (product.available_stock === 0) return false;
    if (product.sale_starts_at && now < Date.parse(product.sale_starts_at)) return false;
    return !(product.sale_ends_at && now >= Date.parse(product.sale_ends_at));
  }

  function queueText(product, ticket, status, now) {
    if (!ticket) return 'This sale has a waiting room.';
    switch (status) {
      case 'prequeue':
        return `You're in the pre-queue: the draw is at ${new Date(product.sale_starts_at).toLocaleString()}.`;
      case 'waiting':
        return ticket.position === null
          ? 'Checking your place…'
          : `Position ${ticket.position}, about ${minutes(ticket.estimated_wait_seconds)} min`;
      case 'admitted':
        return `It's your turn: hold within ${clock(Date.parse(ticket.admission_expires_at) - now)}.`;
      case 'sold_out':
        return 'Sold out before your turn.';
      case 'expired':
        return 'Your turn has passed.';
      default:
        return '';
    }
  }

  function minutes(seconds) {
    return Math.max(1, Math.ceil((seconds ?? 0) / 60));
  }

  function clock(ms) {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  }

  // The admission's time left counts down, a passed admission offers to join again, and Hold
  // comes on when the sale opens.
  window.setInterval(() => {
    const now = Date.now();
    for (const state of buyers.values()) render(state, now);
  }, 1000);

  window.saleBoardBuy = { create, update, remove };
})();
