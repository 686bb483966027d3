// The sale board: the first 50 products, each with its sale window and a live stock bar.
// Plain browser JavaScript, no build step: a storefront can copy what it needs. The live part
// is one EventSource; the browser reconnects it by itself (after the server's `retry: 2000`).
'use strict';

const PAGE_SIZE = 50;
const cards = new Map();
let products = [];

document.addEventListener('DOMContentLoaded', () => {
  load().catch((error) => {
    setNote(`Could not load the products (${error.message}). Reload to try again.`);
  });
  setInterval(renderWindows, 1000);
});

async function load() {
  const response = await fetch(`/api/products?page=1&per_page=${PAGE_SIZE}`, {
    headers: { accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = await response.json();
  products = body.data;
  if (products.length === 0) {
    setNote('No products yet.');
    setStatus('idle', 'Nothing to watch');
    return;
  }
  setNote(
    body.meta.total > products.length
      ? `Showing the first ${products.length} of ${body.meta.total} products.`
      : '',
  );
  const board = document.getElementById('board');
  for (const product of products) {
    const card = createCard(product);
    cards.set(product.id, card);
    board.append(card.root);
    update(product);
  }
  renderWindows();
  watch(products.map((product) => product.id));
}

// One stream for every product on the page: a browser opens at most six HTTP/1.1 connections
// to a host, so one EventSource per product would stall a page of 50.
// A storefront page for one product uses `/api/products/<id>/stream` the same way.
function watch(ids) {
  const source = new EventSource(`/api/products/stream?ids=${ids.join(',')}`);
  source.addEventListener('open', () => setStatus('live', 'Live'));
  source.addEventListener('error', () => setStatus('reconnecting', 'Reconnecting…'));
  source.addEventListener('stock', (event) => update(JSON.parse(event.data)));
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

function formatPrice(price) {
  const value = Number(price);
  return Number.isFinite(value)
    ? value.toLocaleString(undefined, { style: 'currency', currency: 'USD' })
    : String(price);
}

function setStatus(state, text) {
  const status = document.getElementById('status');
  status.dataset.state = state;
  status.textContent = text;
}

function setNote(text) {
  document.getElementById('note').textContent = text;
}
