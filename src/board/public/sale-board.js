// The sale board: the first 50 products, each with its sale window, a live stock bar and a Hold
// button (or the waiting room's "Join the queue": sale-board-buy.js).
// Plain browser JavaScript, no build step: a storefront can copy what it needs. The live part
// is one EventSource; the browser reconnects it by itself (after the server's `retry:`), also
// when the server is busy: it then answers with a `busy` event and a retry instead of a 503,
// on which EventSource would give up for good.
'use strict';

const PAGE_SIZE = 50;
// Ids past the highest one shown that the stream watches too: the server sends a product
// created (or published) later the moment it exists, so it appears without a reload.
const LOOKAHEAD = 10;
// The list is read again this often: a draft published (its id may be below the highest shown,
// so no stream watches it) appears, and an archived product goes, within this time.
const REFRESH_MS = 5000;
const cards = new Map();
let products = [];
let allShown = false;
let source;
let watchedIds = '';
let priceFormat;

document.addEventListener('DOMContentLoaded', () => {
  priceFormat = currencyFormat(document.querySelector('meta[name="currency"]')?.content);
  load().catch((error) => {
    setNote(`Could not load the products (${error.message}). Reload to try again.`);
  });
  setInterval(renderWindows, 1000);
  setInterval(() => {
    refresh().catch(() => undefined); // the next refresh tries again; the stream keeps the stock live
  }, REFRESH_MS);
});

// The products now on sale: new ones get a card, ones no longer public lose theirs.
async function refresh() {
  const response = await fetch(`/api/products?page=1&per_page=${PAGE_SIZE}`, {
    headers: { accept: 'application/json' },
  });
  if (!response.ok) return;
  const body = await response.json();
  const listed = new Set(body.data.map((product) => product.id));
  for (const product of products.filter((known) => !listed.has(known.id))) {
    cards.get(product.id)?.root.remove();
    cards.delete(product.id);
    window.saleBoardBuy.remove(product.id);
  }
  products = products.filter((known) => listed.has(known.id));
  allShown = body.meta.total <= body.data.length;
  for (const product of body.data) {
    if (cards.has(product.id)) continue;
    products.push(product);
    products.sort((a, b) => a.id - b.id);
    addCard(product);
  }
  if (products.length > 0) setNote('');
  watch();
}

async function load() {
  const response = await fetch(`/api/products?page=1&per_page=${PAGE_SIZE}`, {
    headers: { accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = await response.json();
  products = body.data;
  allShown = body.meta.total <= products.length;
  setNote(
    products.length === 0
      ? 'No products yet.'
      : allShown
        ? ''
        : `Showing the first ${products.length} of ${body.meta.total} products.`,
  );
  for (const product of products) addCard(product);
  renderWindows();
  watch();
}

// One stream for every product on the page: a browser opens at most six HTTP/1.1 connections
// to a host, so one EventSource per product would stall a page of 50. Opened again (rarely)
// when a new product moves the ids watched past the highest one shown.
// A storefront page for one product uses `/api/products/<id>/stream` the same way.
function watch() {
  const ids = idsToWatch().join(',');
  if (ids === watchedIds) return;
  watchedIds = ids;
  source?.close();
  source = new EventSource(`/api/products/stream?ids=${ids}`);
  source.addEventListener('open', () => setStatus('live', 'Live'));
  // Refused for now (too many streams, the database away): the stream ends, and EventSource
  // comes back after the `retry:` it was sent.
  source.addEventListener('busy', () => setStatus('busy', 'Server busy, retrying…'));
  source.addEventListener('error', () => {
    if (document.getElementById('status').dataset.state !== 'busy') {
      setStatus('reconnecting', 'Reconnecting…');
    }
  });
  source.addEventListener('stock', (event) => receive(JSON.parse(event.data)));
}

// Every product shown; and while the whole catalogue fits on the page, the next ids too.
function idsToWatch() {
  const ids = products.map((product) => product.id);
  if (!allShown) return ids;
  let next = ids.reduce((highest, id) => Math.max(highest, id), 0) + 1;
  const until = Math.min(PAGE_SIZE, ids.length + LOOKAHEAD);
  while (ids.length < until) ids.push(next++);
  return ids;
}

function receive(product) {
  if (cards.has(product.id)) {
    update(product);
    return;
  }
  // One of the ids watched past the highest shown: a product created since the page loaded.
  if (products.length >= PAGE_SIZE) return;
  products.push(product);
  products.sort((a, b) => a.id - b.id);
  addCard(product);
  setNote('');
  watch();
}

function addCard(product) {
  const card = createCard(product);
  cards.set(product.id, card);
  const after = products.find((known) => known.id > product.id && cards.has(known.id));
  document.getElementById('board').insertBefore(card.root, after ? cards.get(after.id).root : null);
  // The Hold button, and on a product with a waiting room the queue (sale-board-buy.js).
  window.saleBoardBuy.create(card.root, product);
  update(product);
}

function createCard(product) {
  const root = document.getElementById('card').content.firstElementChild.cloneNode(true);
  root.dataset.productId = String(product.id);
  const part = (selector) => root.querySelector(selector);
  return {
    root,
    name: part('.name'),
    price: part('.price'),
    window: part('.window'),
    bar: part('.bar'),
    fill: part('.fill'),
    available: part('.available'),
    total: part('.total'),
  };
}

function update(product) {
  const card = cards.get(product.id);
  if (!card) return;
  const index = products.findIndex((known) => known.id === product.id);
  if (index >= 0) products[index] = product;
  card.name.textContent = product.name;
  card.price.textContent = formatPrice(product.price);
  card.available.textContent = String(product.available_stock);
  card.total.textContent = String(product.total_stock);
  const share = product.total_stock > 0 ? product.available_stock / product.total_stock : 0;
  card.fill.style.width = `${(share * 100).toFixed(1)}%`;
  card.bar.setAttribute('aria-valuemax', String(product.total_stock));
  card.bar.setAttribute('aria-valuenow', String(product.available_stock));
  card.bar.setAttribute('aria-label', `${product.available_stock} of ${product.total_stock} left`);
  card.root.dataset.level = product.available_stock === 0 ? 'out' : share <= 0.2 ? 'low' : 'ok';
  renderWindow(card, product, Date.now());
  window.saleBoardBuy.update(product);
}

function renderWindows() {
  const now = Date.now();
  for (const product of products) {
    const card = cards.get(product.id);
    if (card) renderWindow(card, product, now);
  }
}

// A product without sale_starts_at / sale_ends_at is on sale for as long as it has stock.
function renderWindow(card, product, now) {
  const starts = product.sale_starts_at ? Date.parse(product.sale_starts_at) : undefined;
  const ends = product.sale_ends_at ? Date.parse(product.sale_ends_at) : undefined;
  let state;
  let text;
  if (starts !== undefined && now < starts) {
    state = 'upcoming';
    text = `Opens in ${countdown(starts - now)}`;
  } else if (ends !== undefined && now >= ends) {
    state = 'ended';
    text = 'Sale ended';
  } else if (product.available_stock === 0) {
    state = 'ended';
    text = 'Sold out';
  } else {
    state = 'open';
    text = ends !== undefined ? `On sale, closes in ${countdown(ends - now)}` : 'On sale now';
  }
  card.window.dataset.state = state;
  card.window.textContent = text;
}

function countdown(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(seconds / 86400);
  const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return days > 0 ? `${days}d ${clock}` : clock;
}

// Prices in the orders' currency (PAYMENT_CURRENCY, in the page's meta tag), in the reader's locale.
function currencyFormat(currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'USD' });
  } catch {
    return undefined;
  }
}

function formatPrice(price) {
  const value = Number(price);
  return Number.isFinite(value) && priceFormat ? priceFormat.format(value) : String(price);
}

function setStatus(state, text) {
  const status = document.getElementById('status');
  status.dataset.state = state;
  status.textContent = text;
}

function setNote(text) {
  document.getElementById('note').textContent = text;
}
