import { IsInt, Min } from 'class-validator';
import { ValidationFailedError } from '../errors/domain.error';
import { ApiValidationPipe } from './api-validation.pipe';

class QuantityDto {
  @IsInt()
  @Min(1)
  quantity: number;
}

const body = { type: 'body', metatype: QuantityDto } as const;
const query = { type: 'query', metatype: QuantityDto } as const;

async function fieldErrorsOf(sut: ApiValidationPipe, value: unknown, metadata = body) {
  const error = await sut.transform(value, metadata).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ValidationFailedError);
  return { ...(error as ValidationFailedError).fieldErrors };
}

describe(ApiValidationPipe.name, () => {
  it('should refuse an unknown body field with a 422 that names it', async () => {
    const sut = new ApiValidationPipe();

    expect(await fieldErrorsOf(sut, { quantity: 1, quantitty: 2 })).toEqual({
      quantitty: ['quantitty is not a known field; check its spelling'],
    });
  });

  it('should refuse a body field named constructor, which class-transformer would drop unseen', async () => {
    const sut = new ApiValidationPipe();

    expect(await fieldErrorsOf(sut, JSON.parse('{"quantity": 1, "constructor": 3}'))).toEqual({
      constructor: ['constructor is not a known field; check its spelling'],
    });
  });

  it('should report an unknown field beside the known fields that fail', async () => {
    const sut = new ApiValidationPipe();

    expect(Object.keys(await fieldErrorsOf(sut, { quantity: 0, extra: true })).sort()).toEqual([
      'extra',
      'quantity',
    ]);
  });

  it('should drop unknown body fields when told to strip them (the payment webhook)', async () => {
    const sut = new ApiValidationPipe({ unknownBodyFields: 'strip' });

    expect(await sut.transform({ quantity: 1, extra: true }, body)).toEqual(
      Object.assign(new QuantityDto(), { quantity: 1 }),
    );
  });

  it('should drop unknown query parameters (cache busters) but validate the known ones', async () => {
    const sut = new ApiValidationPipe();

    expect(await sut.transform({ quantity: 1, _: '1700000000' }, query)).toEqual(
      Object.assign(new QuantityDto(), { quantity: 1 }),
    );
  });
});
