import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidIdError } from '../errors/domain.error';

const POSITIVE_INTEGER = /^[1-9][0-9]{0,15}$/;

/** The id a path segment names, or undefined when it is not a positive safe integer. */
export function parseId(value: unknown): number | undefined {
  if (typeof value !== 'string' || !POSITIVE_INTEGER.test(value)) return undefined;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** Path ids must be positive integers; anything else is a 400 before any query runs. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = parseId(value);
    if (id === undefined) throw new InvalidIdError(value);
    return id;
  }
}
