/** The success envelope every route answers with, as the original API does. */
export interface SuccessEnvelope<T> {
  status: 'success';
  message?: string;
  data: T;
  meta?: PageMeta;
}

export interface PageMeta {
  page: number;
  per_page: number;
  total: number;
}

export function success<T>(data: T, message?: string): SuccessEnvelope<T> {
  return message === undefined ? { status: 'success', data } : { status: 'success', message, data };
}

export function page<T>(data: T[], meta: PageMeta): SuccessEnvelope<T[]> {
  return { status: 'success', data, meta };
}
