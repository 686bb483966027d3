// The operator console: plain browser JavaScript (an ES module, no build step, no framework).
// It calls the admin API with the bearer token the operator pastes. The token lives in
// sessionStorage only (this tab, gone when it closes; never localStorage, never a cookie).
// The products are read every 2 s rather than streamed: drafts have no public stream, and
// EventSource cannot send an Authorization header.

const TOKEN_KEY = 'flash-sale.admin-token';
const POLL_MS = 2000;
const PAGE_SIZE = 200; // the API's largest page

const $ = (id) => document.getElementById(id);
const rows = new Map(); // product id -> its <tr>
let products = new Map(); // product id -> the admin view last read
let selectedId = null;
let timer = null;
let polling = false;

/** An error answer of the API: `{status: "error", code, message, errors?}`. */
class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
    this.errors = body?.errors;
  }
}

async function api(method, path, body, { idempotent = false } = {}) {
  const headers = {
    accept: 'application/json',
    authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}`,
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  // A retried click must not adjust or cancel twice; randomUUID needs a secure context (https or localhost).
  if (idempotent && globalThis.crypto?.randomUUID) headers['idempotency-key'] = crypto.randomUUID();
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

// ---- errors and status ----

function showError(error) {
  const box = $('error');
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  let text = error instanceof ApiError ? `${error.code}: ${error.message}` : `Error: ${error.message}`;
  if (error.errors) {
    const fields = Object.entries(error.errors).map(
      ([field, messages]) => `${field}: ${[].concat(messages).join(', ')}`,
    );
    text += ` (${fields.join('; ')})`;
  }
  box.textContent = text;
  box.hidden = false;
}

function setStatus(state, text) {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = text;
}

/** Runs an operator action: clears the last error, shows the new one, refreshes what it changed. */
async function act(action) {
  showError(null);
  try {
    await action();
    await poll();
  } catch (error) {
    showError(error);
  }
}

// ---- token ----

function connect(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  $('forget').hidden = false;
  $('token').value = '';
  $('token').placeholder = 'token set for this tab';
  setStatus('connecting', 'Connecting…');
  clearInterval(timer);
  timer = setInterval(() => void poll(), POLL_MS);
  void poll();
}

function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  clearInterval(timer);
  timer = null;
  $('workspace').hidden = true;
  $('forget').hidden = true;
  $('token').placeholder = 'ADMIN_API_TOKEN';
  setStatus('signed-out', 'Paste an admin token to start');
}

// ---- polling ----

async function poll() {
  if (polling || !sessionStorage.getItem(TOKEN_KEY)) return;
  polling = true;
  try {
    const body = await api('GET', `/api/admin/products?page=1&per_page=${PAGE_SIZE}`);
    products = new Map(body.data.map((product) => [product.id, product]));
    renderProducts(body);
    $('workspace').hidden = false;
    setStatus('live', `Connected · ${new Date().toLocaleTimeString()}`);
    if (selectedId !== null) await refreshDetail();
  } catch (error) {
    showError(error);
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      // A wrong or disabled token will not get better by asking again every 2 s.
      clearInterval(timer);
      timer = null;
      setStatus('refused', 'Token refused: paste a valid one');
    } else {
      setStatus('offline', 'Cannot reach the API; retrying');
    }
  } finally {
    polling = false;
  }
}

// ---- products ----

function when(value) {
  return value ? new Date(value).toLocaleString() : '…';
}

function windowText(product) {
  if (!product.sale_starts_at && !product.sale_ends_at) return 'always';
  return `${when(product.sale_starts_at)} → ${when(product.sale_ends_at)}`;
}

function cell(row, name, text) {
  const element = row.querySelector(`[data-field="${name}"]`);
  if (element.textContent !== text) element.textContent = text;
}

function productRow(product) {
  const row = document.createElement('tr');
  row.dataset.productId = String(product.id);
  for (const field of [
    'id',
    'name',
    'status',
    'price',
    'stock',
    'held',
    'pending',
    'sold',
    'window',
    'limit',
    'queue',
  ]) {
    const td = document.createElement('td');
    td.dataset.field = field;
    row.append(td);
  }
  const actions = document.createElement('td');
  const manage = document.createElement('button');
  manage.type = 'button';
  manage.className = 'manage';
  manage.textContent = 'Manage';
  manage.addEventListener('click', () => select(product.id));
  actions.append(manage);
  row.append(actions);
  return row;
}

function renderProducts(body) {
  const tbody = $('products');
  for (const [id, row] of rows) {
    if (!products.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  for (const product of body.data) {
    let row = rows.get(product.id);
    if (!row) {
      row = productRow(product);
      rows.set(product.id, row);
    }
    tbody.append(row); // keeps id order (the API's), moving rows only when needed
    row.dataset.status = product.status;
    cell(row, 'id', String(product.id));
    cell(row, 'name', product.name);
    cell(row, 'status', product.status);
    cell(row, 'price', product.price);
    cell(row, 'stock', `${product.stock.available} / ${product.stock.total}`);
    cell(row, 'held', String(product.stock.held));
    cell(row, 'pending', String(product.stock.ordered_pending));
    cell(row, 'sold', String(product.stock.sold));
    cell(row, 'window', windowText(product));
    cell(row, 'limit', product.max_per_customer === null ? '—' : String(product.max_per_customer));
    cell(row, 'queue', product.queue_enabled ? `${product.queue_admit_per_minute}/min` : 'off');
    row.classList.toggle('selected', product.id === selectedId);
  }
  const shown = body.data.length;
  $('products-note').textContent =
    shown === 0
      ? 'No products yet.'
      : shown < body.meta.total
        ? `The first ${shown} of ${body.meta.total}.`
        : '';
}

// ---- the product form (create and edit) ----

function toLocalInput(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

function openForm(product) {
  const form = $('product-form');
  form.reset();
  const editing = product !== undefined;
  $('product-form-title').textContent = editing ? `Edit product ${product.id}` : 'New product';
  for (const label of form.querySelectorAll('[data-create-only]')) label.hidden = editing;
  form.elements.total_stock.required = !editing;
  form.elements.id.value = editing ? String(product.id) : '';
  form.elements.status.value = editing ? product.status : 'draft';
  if (editing) {
    form.elements.name.value = product.name;
    form.elements.price.value = product.price;
    form.elements.sale_starts_at.value = toLocalInput(product.sale_starts_at);
    form.elements.sale_ends_at.value = toLocalInput(product.sale_ends_at);
    form.elements.max_per_customer.value = product.max_per_customer ?? '';
    form.elements.queue_enabled.checked = product.queue_enabled;
    form.elements.queue_admit_per_minute.value = String(product.queue_admit_per_minute);
    form.elements.queue_admission_seconds.value = String(product.queue_admission_seconds);
  }
  form.hidden = false;
  form.elements.name.focus();
}

const integerOrNull = (value) => (value === '' ? null : Number(value));
const isoOrNull = (value) => (value === '' ? null : new Date(value).toISOString());

/** The form as the API's body; on create, empty optional fields are left out (the API's defaults). */
function productBody(form, editing) {
  const body = {
    name: form.elements.name.value.trim(),
    price: form.elements.price.value.trim(),
    sale_starts_at: isoOrNull(form.elements.sale_starts_at.value),
    sale_ends_at: isoOrNull(form.elements.sale_ends_at.value),
    max_per_customer: integerOrNull(form.elements.max_per_customer.value),
    status: form.elements.status.value,
    queue_enabled: form.elements.queue_enabled.checked,
  };
  for (const name of ['queue_admit_per_minute', 'queue_admission_seconds']) {
    if (form.elements[name].value !== '') body[name] = Number(form.elements[name].value);
  }
  if (editing) return body;
  body.total_stock = Number(form.elements.total_stock.value);
  for (const [name, value] of Object.entries(body)) if (value === null) delete body[name];
  return body;
}

async function saveProduct(event) {
  event.preventDefault();
  const form = $('product-form');
  const id = form.elements.id.value;
  await act(async () => {
    const saved = id
      ? await api('PATCH', `/api/admin/products/${id}`, productBody(form, true))
      : await api('POST', '/api/admin/products', productBody(form, false));
    form.hidden = true;
    select(saved.data.id);
  });
}

// ---- one product: stock, status, queue, orders ----

function select(id) {
  selectedId = id;
  $('detail').hidden = false;
  $('cancel-form').hidden = true;
  for (const [rowId, row] of rows) row.classList.toggle('selected', rowId === id);
  void refreshDetail().catch(showError);
}

async function refreshDetail() {
  const product = products.get(selectedId);
  if (!product) return;
  $('detail').dataset.productId = String(product.id);
  $('detail-id').textContent = String(product.id);
  $('detail-name').textContent = product.name;
  $('publish').hidden = product.status === 'live';
  $('archive').hidden = product.status === 'archived';
  const orders = await api('GET', `/api/admin/orders?product_id=${product.id}&page=1&per_page=${PAGE_SIZE}`);
  if (product.id !== selectedId) return;
  renderOrders(orders);
  // The queue's summary is a public route: it answers only for a live product with a waiting room.
  const queueBox = $('queue');
  if (product.queue_enabled && product.status === 'live') {
    const queue = await api('GET', `/api/products/${product.id}/queue`);
    const q = queue.data;
    $('queue-summary').textContent =
      `${q.waiting} waiting, ${q.admitted} admitted, ${q.admit_per_minute} admitted per minute` +
      (q.commitment ? ` · commitment ${q.commitment.slice(0, 12)}…` : '') +
      (q.seed ? ` · seed revealed` : '');
    queueBox.hidden = false;
  } else {
    queueBox.hidden = true;
  }
}

function renderOrders(body) {
  const tbody = $('orders');
  tbody.replaceChildren(
    ...body.data.map((order) => {
      const row = document.createElement('tr');
      row.dataset.orderId = String(order.id);
      row.dataset.status = order.status;
      const texts = [
        order.id,
        order.customer_id ?? '—',
        order.quantity,
        order.amount,
        order.status + (order.paid_after_cancellation ? ' (paid after cancellation)' : ''),
        order.cancel_reason ?? '',
        new Date(order.created_at).toLocaleString(),
      ];
      for (const text of texts) {
        const td = document.createElement('td');
        td.textContent = String(text);
        row.append(td);
      }
      const actions = document.createElement('td');
      if (order.status === 'pending') actions.append(button('Cancel', 'cancel', () => askCancel(order.id)));
      if (order.status === 'cancelled' && order.paid_after_cancellation) {
        actions.append(button('Restore', 'restore', () => restore(order.id)));
      }
      row.append(actions);
      return row;
    }),
  );
  const shown = body.data.length;
  $('orders-note').textContent =
    shown === 0 ? 'No orders.' : shown < body.meta.total ? `The newest ${shown} of ${body.meta.total}.` : '';
}

function button(text, className, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = text;
  element.addEventListener('click', onClick);
  return element;
}

function askCancel(orderId) {
  const form = $('cancel-form');
  form.reset();
  form.elements.order_id.value = String(orderId);
  $('cancel-order-id').textContent = String(orderId);
  form.hidden = false;
  form.elements.reason.focus();
}

function cancelOrder(event) {
  event.preventDefault();
  const form = $('cancel-form');
  const id = form.elements.order_id.value;
  const reason = form.elements.reason.value.trim();
  void act(async () => {
    await api('POST', `/api/admin/orders/${id}/cancel`, { reason }, { idempotent: true });
    form.hidden = true;
  });
}

function restore(orderId) {
  void act(() => api('POST', `/api/admin/orders/${orderId}/restore`, undefined, { idempotent: true }));
}

function setStatusOfSelected(status) {
  void act(() => api('PATCH', `/api/admin/products/${selectedId}`, { status }));
}

function adjustStock(event) {
  event.preventDefault();
  const form = $('stock-form');
  const body = { delta: Number(form.elements.delta.value) };
  const reason = form.elements.reason.value.trim();
  if (reason) body.reason = reason;
  void act(async () => {
    await api('POST', `/api/admin/products/${selectedId}/stock`, body, { idempotent: true });
    form.reset();
  });
}

// ---- wiring ----

document.addEventListener('DOMContentLoaded', () => {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token) {
      showError(null);
      connect(token);
    }
  });
  $('forget').addEventListener('click', forget);
  $('new-product').addEventListener('click', () => openForm());
  $('product-form').addEventListener('submit', (event) => void saveProduct(event));
  $('product-cancel').addEventListener('click', () => ($('product-form').hidden = true));
  $('edit').addEventListener('click', () => openForm(products.get(selectedId)));
  $('publish').addEventListener('click', () => setStatusOfSelected('live'));
  $('archive').addEventListener('click', () => setStatusOfSelected('archived'));
  $('stock-form').addEventListener('submit', adjustStock);
  $('cancel-form').addEventListener('submit', cancelOrder);
  $('cancel-abort').addEventListener('click', () => ($('cancel-form').hidden = true));
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) connect(saved);
});
