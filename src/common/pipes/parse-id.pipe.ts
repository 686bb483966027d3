import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidIdError } from '../errors/domain.error';

const POSITIVE_INTEGER = /^[1-9][0-9]{0,15}$/;

/** Path ids must be positive integers; anything else is a 400 before any query runs. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = Number(value);
    if (!POSITIVE_INTEGER.test(value) || !Number.isSafeInteger(id)) {
      throw new InvalidIdError(value);
    }
    return id;
  }
}
