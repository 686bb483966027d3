import { fieldErrorsOf, schemaErrorFormatter } from './body-schema';
import { ValidationFailedError } from '../errors/domain.error';

describe('fieldErrorsOf (ajv errors as per-field messages)', () => {
  it('should name a missing field after the field, not the object holding it', () => {
    expect(
      fieldErrorsOf([{ instancePath: '', keyword: 'required', params: { missingProperty: 'quantity' } }]),
    ).toEqual({
      quantity: ['quantity is required'],
    });
  });

  it('should report each failing field with its path and ajv message', () => {
    expect(
      fieldErrorsOf([
        {
          instancePath: '/quantity',
          keyword: 'type',
          params: { type: 'integer' },
          message: 'must be integer',
        },
        { instancePath: '/quantity', keyword: 'minimum', params: { limit: 1 }, message: 'must be >= 1' },
        { instancePath: '/item/id', keyword: 'type', params: {}, message: 'must be integer' },
      ]),
    ).toEqual({
      quantity: ['quantity must be integer', 'quantity must be >= 1'],
      'item.id': ['item.id must be integer'],
    });
  });

  it('should name each unknown field, even one named like a member of Object.prototype', () => {
    const unknown = (name: string, instancePath = '') => ({
      instancePath,
      keyword: 'additionalProperties',
      params: { additionalProperty: name },
      message: 'must NOT have additional properties',
    });

    const errors = fieldErrorsOf([
      unknown('quantitty'),
      unknown('constructor'),
      unknown('toString'),
      unknown('extra', '/item'),
    ]);

    expect({ ...errors }).toEqual({
      quantitty: ['quantitty is not a known field; check its spelling'],
      constructor: ['constructor is not a known field; check its spelling'],
      toString: ['toString is not a known field; check its spelling'],
      'item.extra': ['item.extra is not a known field; check its spelling'],
    });
  });

  it('should refuse a body that is not an object as a whole', () => {
    expect(
      fieldErrorsOf([
        { instancePath: '', keyword: 'type', params: { type: 'object' }, message: 'must be object' },
      ]),
    ).toEqual({
      body: ['request body must be a JSON object'],
    });
  });

  it('should hand Fastify our 422 error', () => {
    expect(
      schemaErrorFormatter([
        { instancePath: '/quantity', keyword: 'type', params: {}, message: 'must be integer' },
      ]),
    ).toBeInstanceOf(ValidationFailedError);
  });
});
